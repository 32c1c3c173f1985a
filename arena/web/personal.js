// "Your board" on the leaderboard page: the voter's own counted votes, shrunk toward the
// public board (GET /api/me/leaderboard; the voter is the browser's cookie). Beside each
// model: its public rank and how far the voter's rating is from the public one. With no
// counted vote, the server's empty-state message, and no table.

import { $, el } from "./dom.js";
import { api, fmt, plural } from "./page.js";

const ui = {
  section: $("mine"),
  summary: $("mine-summary"),
  wrap: $("mine-wrap"),
  body: $("mine-body"),
};

function signed(v) {
  const r = Math.round(v);
  if (r === 0) return "0";
  return r > 0 ? `+${r}` : `−${-r}`;
}

function row(m) {
  const tr = el("tr");
  const rating = el("td", "rating");
  rating.append(el("span", "", fmt(m.rating)),
    el("span", "mine-ci", `${fmt(m.ci_low)}–${fmt(m.ci_high)}`));
  const diff = el("td", "difference", signed(m.difference));
  if (Math.round(m.difference) > 0) diff.classList.add("up");
  if (Math.round(m.difference) < 0) diff.classList.add("down");
  const name = el("th", "text model", m.model);
  name.scope = "row";
  tr.append(el("td", "rank", String(m.rank)), name, rating, el("td", "votes", String(m.votes)),
    el("td", "public-rank", String(m.public_rank)), diff);
  return tr;
}

function list(names) {
  if (names.length < 2) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

function summary(board) {
  const parts = [`From your ${plural(board.votes, "counted vote")}.`];
  if (board.spearman !== null) {
    parts.push(`Rank correlation with the public board: ${board.spearman.toFixed(2)}.`);
  }
  if (board.above.length) parts.push(`You rate ${list(board.above)} above the public board.`);
  if (board.below.length) parts.push(`You rate ${list(board.below)} below it.`);
  if (board.left_out) {
    parts.push(`Left out: ${plural(board.left_out, "vote")} with a model the public board `
      + "does not list yet.");
  }
  return parts.join(" ");
}

function render(board) {
  if (!board.votes) {
    ui.summary.textContent = board.message;
    ui.wrap.hidden = true;
    ui.body.replaceChildren();
    return;
  }
  ui.summary.textContent = summary(board);
  ui.body.replaceChildren(...board.models.map(row));
  ui.wrap.hidden = false;
}

async function load() {
  try {
    render(await api("/api/me/leaderboard"));
  } catch (err) {
    ui.summary.textContent = err.code === "sign_in_required"
      ? "Your own board is for voters of this arena: open your invite link or sign in on "
        + "the arena page, vote, and it appears here."
      : `Your board could not be loaded: ${err.message}`;
    ui.wrap.hidden = true;
  }
  inView();
}

// Linked as /leaderboard#mine from the arena's result: scrolled to once it has its
// content, and again once the public board above it has been drawn (the first time).
function inView() {
  if (location.hash === "#mine") ui.section.scrollIntoView();
}

document.addEventListener("board-rendered", inView, { once: true });
load();
