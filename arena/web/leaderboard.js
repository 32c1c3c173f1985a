// The leaderboard page: the ranked table (sortable), totals, and inline SVG charts
// (ratings with intervals, pairwise win rates, battle counts), for the options chosen in
// the form — method, style control, side control, category — which are mirrored in the
// page's URL so a view can be shared. With the Davidson method the board's tie parameter
// is told below the table. Below the charts, the default board's ratings over time, from
// its snapshots.

import {
  countColor, heatmap, HISTORY_SERIES, historyChart, ratingsChart, winRateColor,
} from "./charts.js";
import { $, el } from "./dom.js";
import { api, fmt, noun, plural, say, showDemoBanner } from "./page.js";

const darkQuery = window.matchMedia("(prefers-color-scheme: dark)");
const REFRESH_MS = 30_000;
const HISTORY_REFRESH_MS = 600_000; // snapshots come once a day: a look every ten minutes

const ui = {
  method: $("method"),
  style: $("style-control"),
  side: $("side-control"),
  sideEffect: $("side-effect"),
  category: $("category"),
  body: $("board-body"),
  totals: $("totals"),
  warnings: $("warnings"),
  unlisted: $("unlisted"),
  updated: $("updated"),
  charts: $("charts"),
  fragility: $("fragility"),
  fragilityBody: $("fragility-body"),
  influence: $("influence"),
  influenceList: $("influence-list"),
  ties: $("ties-note"),
  historyChart: $("chart-history"),
  historyLegend: $("history-legend"),
  historyCite: $("history-cite"),
};

const METHODS = new Set(["bt", "elo", "davidson"]);

const state = {
  board: null, sort: { key: "rank", dir: 1 }, categoriesLoaded: false,
  history: null, historyError: "", historyAt: 0,
};

const SORTS = {
  rank: (m) => [m.rank, -(m.rating ?? -Infinity)],
  model: (m) => [m.model.toLowerCase()],
  rating: (m) => [m.rating ?? -Infinity],
  ci: (m) => [m.ci_high !== null && m.ci_low !== null ? m.ci_high - m.ci_low : Infinity],
  votes: (m) => [m.votes],
  win_rate: (m) => [m.win_rate ?? -1],
};
const DESCENDING_FIRST = new Set(["rating", "votes", "win_rate"]);

// --- options <-> URL -----------------------------------------------------------------------

function readOptions() {
  const q = new URLSearchParams(location.search);
  ui.method.value = METHODS.has(q.get("method")) ? q.get("method") : "bt";
  ui.style.checked = q.get("style_control") === "true";
  ui.side.checked = q.get("side_control") === "true";
  const category = q.get("category") || "";
  if (category) ensureCategoryOption(category);
  ui.category.value = category;
  syncStyleControl();
}

function options() {
  const q = new URLSearchParams();
  if (ui.method.value !== "bt") q.set("method", ui.method.value);
  if (ui.style.checked && ui.method.value === "bt") q.set("style_control", "true");
  if (ui.side.checked && ui.method.value === "bt") q.set("side_control", "true");
  if (ui.category.value) q.set("category", ui.category.value);
  return q;
}

function syncStyleControl() {
  // Style and side control are Bradley–Terry models; the API refuses them otherwise.
  const other = ui.method.value !== "bt";
  ui.style.disabled = other;
  ui.style.closest("label").title = other
    ? "Style control needs the Bradley–Terry method"
    : "Holds answer length and formatting equal, as Chatbot Arena does";
  ui.side.disabled = other;
  ui.side.closest("label").title = other
    ? "Side control needs the Bradley–Terry method"
    : "Fits the ratings jointly with the advantage of the answer shown on the left";
}

/** The server's naming rule for downloads (arena/api/pages.py ``download_name``). */
function downloadName(kind, ext, q) {
  const parts = ["arena", kind];
  if (q.get("method") && q.get("method") !== "bt") parts.push(q.get("method"));
  if (q.get("category")) parts.push(q.get("category"));
  if (q.get("style_control") === "true") parts.push("style");
  if (q.get("side_control") === "true") parts.push("side");
  if (q.get("ipw") === "true") parts.push("ipw");
  return `${parts.join("-").replace(/[^A-Za-z0-9-]/g, "_")}.${ext}`;
}

// --- loading --------------------------------------------------------------------------------

async function load() {
  const q = options();
  const query = q.toString() ? `?${q}` : "";
  history.replaceState(null, "", `${location.pathname}${query}${location.hash}`);
  $("dl-json").href = `/api/leaderboard${query}`;
  $("dl-json").download = downloadName("leaderboard", "json", q);
  $("dl-csv").href = `/api/leaderboard.csv${query}`;
  $("dl-csv").download = downloadName("leaderboard", "csv", q);
  // The battles of the view's category (method and style control do not change them).
  const battles = new URLSearchParams(q.get("category") ? { category: q.get("category") } : {});
  $("dl-battles").href = `/api/battles.jsonl${battles.toString() ? `?${battles}` : ""}`;
  $("dl-battles").download = downloadName("battles", "jsonl", battles);
  document.body.setAttribute("aria-busy", "true");
  try {
    state.board = await api(`/api/leaderboard${query}`);
    say("");
  } catch (err) {
    say(`The leaderboard could not be loaded: ${err.message}`, "error");
    return;
  } finally {
    document.body.removeAttribute("aria-busy");
  }
  render();
  // "Your board" (personal.js) keeps itself in view under a board that grew above it.
  document.dispatchEvent(new Event("board-rendered"));
  if (!state.categoriesLoaded) loadCategories();
  if (Date.now() - state.historyAt > HISTORY_REFRESH_MS) loadHistory();
}

async function loadHistory() {
  state.historyAt = Date.now();
  try {
    state.history = await api(`/api/leaderboard/history?top=${HISTORY_SERIES}`);
    state.historyError = "";
  } catch (err) {
    state.historyError = err.message;
  }
  renderHistory();
}

async function loadCategories() {
  let list = state.board.categories;
  if (!Array.isArray(list)) {
    try {
      list = (await api("/api/categories")).categories;
    } catch {
      return; // the selector keeps "All battles"
    }
  }
  state.categoriesLoaded = true;
  for (const c of list) {
    const name = typeof c === "string" ? c : c.name;
    const votes = typeof c === "string" ? null : c.votes;
    ensureCategoryOption(name, votes);
  }
}

function ensureCategoryOption(name, votes = null) {
  let option = [...ui.category.options].find((o) => o.value === name);
  if (!option) {
    option = el("option");
    option.value = name;
    ui.category.append(option);
  }
  option.textContent = categoryLabel(name) + (votes === null ? "" : ` (${votes})`);
}

const languageNames = (() => {
  try {
    return new Intl.DisplayNames(["en"], { type: "language" });
  } catch {
    return null;
  }
})();

function categoryLabel(name) {
  const known = { coding: "Coding", long_prompt: "Long prompts", multi_turn: "Multi-turn" };
  if (known[name]) return known[name];
  if (name.startsWith("lang:")) {
    const code = name.slice(5);
    let label = code;
    try {
      label = languageNames?.of(code) || code;
    } catch {
      label = code;
    }
    return `Language: ${label}`;
  }
  return name;
}

// --- rendering ------------------------------------------------------------------------------

function render() {
  const board = state.board;
  renderTotals(board);
  // One line each: the engine's warnings are sentences without a closing stop.
  ui.warnings.replaceChildren(...(board.warnings || []).map((w) => el("span", "warning", w)));
  renderTable(board.models || [], board);
  renderTies(board.davidson);
  renderUnlisted(board.unlisted || []);
  renderSide(board);
  renderFragility(board);
  renderCharts(board);
  const when = board.updated_at ? new Date(board.updated_at) : null;
  ui.updated.textContent = when && !Number.isNaN(when.getTime())
    ? `Last updated ${when.toLocaleString()}.` : "";
  if (board.demo) demoBanner();
}

function renderTotals(board) {
  const totals = board.totals || {};
  const excluded = totals.excluded_votes || {};
  const excludedSum = Object.values(excluded).reduce((a, b) => a + b, 0);
  const items = [
    [totals.models ?? (board.models || []).length, "model"],
    [totals.counted_votes ?? totals.battles ?? 0, "counted vote"],
    [excludedSum, "excluded vote"],
  ];
  if (board.category || board.style_control) {
    items.push([totals.battles ?? 0, "vote in this view", "votes in this view"]);
  }
  ui.totals.replaceChildren(...items.map(([value, one, many]) => {
    const li = el("li");
    li.append(el("span", "value", String(value)), el("span", "label", noun(value, one, many)));
    return li;
  }));
  const reasons = Object.entries(excluded).filter(([, n]) => n > 0);
  if (reasons.length) {
    const li = ui.totals.children[2];
    const detail = reasons.map(([reason, n]) => `${reason.replace(/_/g, " ")}: ${n}`).join(", ");
    li.querySelector(".label").textContent = `${noun(excludedSum, "excluded vote")} (${detail})`;
  }
}

function sorted(models) {
  const { key, dir } = state.sort;
  const keyOf = SORTS[key];
  return [...models].sort((x, y) => {
    const a = keyOf(x);
    const b = keyOf(y);
    for (let i = 0; i < a.length; i++) {
      if (a[i] < b[i]) return -dir;
      if (a[i] > b[i]) return dir;
    }
    return x.model < y.model ? -1 : 1;
  });
}

function emptyText(board) {
  const unlisted = (board && board.unlisted) || [];
  const counted = board && board.totals ? (board.totals.battles ?? board.totals.counted_votes ?? 0) : 0;
  if (unlisted.length || counted > 0) {
    return `${plural(counted, "counted vote")} in this view, but no model has enough of them `
      + "to be ranked yet (see below). Vote in the arena, then come back.";
  }
  return "No counted votes yet. Vote in the arena, then come back to see the ratings.";
}

function renderTable(models, board) {
  if (!models.length) {
    const td = el("td", "empty-state", emptyText(board));
    td.colSpan = 6;
    const tr = el("tr");
    tr.append(td);
    ui.body.replaceChildren(tr);
    return;
  }
  // Tiers are groups in the board's own order (by rank or rating, best first).
  const grouped = (state.sort.key === "rank" && state.sort.dir === 1)
    || (state.sort.key === "rating" && state.sort.dir === -1);
  let lastTier = null;
  ui.body.replaceChildren(...sorted(models).map((m) => {
    const tr = el("tr");
    const rank = el("td", "rank", String(m.rank));
    if (Array.isArray(m.rank_spread)) {
      const [best, worst] = m.rank_spread;
      const spread = el("span", "rank-spread", best === worst ? "" : ` ${best}–${worst}`);
      rank.title = best === worst
        ? `Rank ${best} for certain (jointly at 95% over the board)`
        : `Plausible ranks ${best} to ${worst} (jointly at 95% over the board)`;
      rank.append(spread);
    }
    if (grouped && m.tier != null) {
      tr.dataset.tier = String(m.tier);
      if (lastTier !== null && m.tier !== lastTier) tr.classList.add("tier-start");
      if (m.tier !== lastTier) {
        const label = el("span", "tier-label", `Tier ${m.tier}`);
        rank.append(label);
      }
      lastTier = m.tier;
    }
    if (m.rank_change) {
      const up = m.rank_change > 0;
      const change = el("span", `rank-change ${up ? "up" : "down"}`,
        ` ${up ? "▲" : "▼"}${Math.abs(m.rank_change)}`);
      change.title = `${up ? "Up" : "Down"} ${Math.abs(m.rank_change)} once style is held equal`;
      rank.append(change);
    }
    const name = el("th", "text model", m.model);
    name.scope = "row";
    tr.append(rank, name, el("td", "rating", fmt(m.rating)), ciCell(m),
      el("td", "votes", String(m.votes)), el("td", "win-rate", pct(m.win_rate)));
    return tr;
  }));
  for (const th of document.querySelectorAll("#board thead th")) {
    th.setAttribute("aria-sort", th.dataset.key === state.sort.key
      ? (state.sort.dir === 1 ? "ascending" : "descending") : "none");
  }
}

function ciCell(m) {
  const td = el("td", "ci");
  if (m.rating === null || m.ci_low === null || m.ci_high === null) {
    td.textContent = "–";
    return td;
  }
  const plus = Math.round(m.ci_high - m.rating);
  const minus = Math.round(m.rating - m.ci_low);
  td.textContent = `+${plus}/\u200b−${minus}`; // a phone may break the line after "/"
  td.title = `95% interval ${fmt(m.ci_low)} to ${fmt(m.ci_high)}`;
  return td;
}

const pct = (v) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)}%`);

function renderUnlisted(unlisted) {
  ui.unlisted.textContent = unlisted.length
    ? `Not ranked yet: ${unlisted.map((u) => `${u.model} (${plural(u.votes, "vote")}; ${u.reason})`).join("; ")}.`
    : "";
}

function renderTies(dv) {
  ui.ties.hidden = !dv;
  if (!dv) return;
  const [low, high] = dv.nu_ci;
  const [eqLow, eqHigh] = dv.tie_rate_at_equal_ci;
  ui.ties.textContent = `Ties as ties (Davidson): tie parameter ν = ${dv.nu.toFixed(2)} `
    + `(95% interval ${low.toFixed(2)}–${high.toFixed(2)}), so two equally strong models tie `
    + `${pct(dv.tie_rate_at_equal)} of the time (${pct(eqLow)}–${pct(eqHigh)}). `
    + `${plural(dv.draws, "tie or both-bad vote")} counted as ties; a model's rating is its `
    + "strength when the vote is decisive.";
}

const signed = (v) => `${v > 0 ? "+" : v < 0 ? "−" : ""}${Math.abs(Math.round(v))}`;

function renderSide(board) {
  // "Side A (left) advantage: +12 Elo [4, 20]": how much voters favour the left answer.
  const s = board.side;
  ui.sideEffect.hidden = !s || s.elo === null || s.elo === undefined;
  if (ui.sideEffect.hidden) return;
  const [lo, hi] = s.ci;
  const clear = lo > 0 || hi < 0;
  ui.sideEffect.classList.toggle("clear", clear);
  ui.sideEffect.replaceChildren(
    el("strong", "", `Side A (left) advantage: ${signed(s.elo)} Elo`),
    ` [${signed(lo)}, ${signed(hi)}]`,
    el("span", "side-detail", ` · the left answer won ${pct(s.a_win_share)} of the decided `
      + `votes (${plural(s.battles, "battle")}). `
      + (board.side_control ? "The ratings are adjusted for it."
        : clear ? "Tick Side control to adjust the ratings for it."
          : "Its interval includes 0: no clear side bias.")),
  );
  ui.sideEffect.title = "P(left wins) = σ(θ_left − θ_right + h): h in Elo points, with "
    + "its 95% interval";
}

function renderFragility(board) {
  const frag = board.fragility;
  const pairs = frag ? frag.pairs || [] : [];
  ui.fragility.hidden = pairs.length === 0;
  if (!pairs.length) return;
  const total = board.totals ? board.totals.battles ?? 0 : 0;
  ui.fragilityBody.replaceChildren(...pairs.map((p) => {
    const tr = el("tr");
    const fragile = p.votes !== null && p.votes <= frag.handful;
    if (fragile) tr.classList.add("fragile");
    const votes = el("td", "swap-votes", p.votes === null ? "–"
      : `${p.votes}${total ? ` of ${total}` : ""}`);
    if (fragile) votes.append(el("span", "fragile-label", "fragile"));
    votes.title = p.votes === null ? "No set of votes found that swaps them"
      : `Dropping ${plural(p.votes, "vote")} puts ${p.below} above ${p.above}`;
    const above = el("th", "text model", p.above);
    above.scope = "row";
    tr.append(el("td", "place", `${p.position}–${p.position + 1}`), above,
      el("td", "text model", p.below), votes);
    return tr;
  }));
  const voters = (board.influence && board.influence.voters) || [];
  ui.influence.hidden = voters.length === 0;
  ui.influenceList.replaceChildren(...voters.slice(0, 5).map((v) => el("li", "",
    `${v.id}…: ${plural(v.votes, "vote")} (${(v.share * 100).toFixed(1)}% of the weight), `
    + `moves a rating by up to ${fmt(v.max_elo_change)} Elo`)));
}

function renderCharts(board) {
  const models = board.models || [];
  ui.charts.hidden = models.length === 0;
  if (!models.length) return;
  const dark = darkQuery.matches;
  const box = $("chart-ratings");
  const width = Math.max(320, Math.min(1000, box.clientWidth - 20 || 780));
  box.replaceChildren(ratingsChart(models, { labelledBy: "ratings-title", width }));
  const m = board.matrices || { models: [], win_rate: [], battles: [] };
  $("chart-winrate").replaceChildren(heatmap(m.models, m.win_rate, {
    labelledBy: "winrate-title",
    description: "Share of battles the row model won against the column model.",
    cell: (v, i, j) => {
      const n = m.battles[i]?.[j] ?? 0;
      if (i === j || v === null || v === undefined) {
        return { color: null, text: i === j ? "" : "–", title: i === j ? "" : `${m.models[i]} and ${m.models[j]} have not met` };
      }
      return {
        color: winRateColor(v, dark),
        text: `${Math.round(v * 100)}`,
        title: `${m.models[i]} beat ${m.models[j]} in ${pct(v)} of ${n} battles`,
      };
    },
  }));
  const max = Math.max(0, ...m.battles.flat().filter((x) => typeof x === "number"));
  $("chart-battles").replaceChildren(heatmap(m.models, m.battles, {
    labelledBy: "battles-title",
    description: "Number of counted battles between each pair of models.",
    cell: (v, i, j) => (i === j || !v
      ? { color: null, text: i === j ? "" : "0", title: i === j ? "" : `${m.models[i]} and ${m.models[j]}: no battles` }
      : { color: countColor(v, max, dark), text: String(v), title: `${m.models[i]} and ${m.models[j]}: ${v} battles` }),
  }));
}

function renderHistory() {
  const h = state.history;
  if (!h) {
    if (state.historyError) {
      ui.historyChart.replaceChildren(el("p", "history-empty",
        `The history could not be loaded: ${state.historyError}`));
    }
    return;
  }
  const series = (h.models || []).filter((m) => m.points.some((p) => p.rating !== null));
  if (!h.snapshots.length || !series.length) {
    ui.historyChart.replaceChildren(el("p", "history-empty",
      "History starts after the first daily snapshot of the board."));
    ui.historyLegend.replaceChildren();
    return;
  }
  const box = ui.historyChart;
  const width = Math.max(320, Math.min(1000, box.clientWidth - 20 || 780));
  box.replaceChildren(historyChart(series, h.snapshots, { labelledBy: "history-title", width }));
  const items = series.slice(0, HISTORY_SERIES).map((m, i) => {
    const li = el("li", `series-${i}`);
    li.append(el("span", "swatch"), el("span", "", m.model));
    return li;
  });
  const listed = h.snapshots[h.snapshots.length - 1].models; // on the newest snapshot
  if (listed > HISTORY_SERIES) {
    const li = el("li", "more");
    const link = el("a", "", "all of them as JSON");
    link.href = "/api/leaderboard/history";
    li.append(`The top ${HISTORY_SERIES} of ${listed} models; `, link);
    items.push(li);
  }
  ui.historyLegend.replaceChildren(...items);
  renderCite(h.snapshots[h.snapshots.length - 1]);
}

/** The newest snapshot's permalink: what a reader cites, and checks with `arena history verify`. */
function renderCite(snap) {
  const link = el("a", "", snap.day ? `the board of ${snap.day}` : `snapshot ${snap.id}`);
  link.href = snap.permalink;
  const file = el("a", "", "its votes");
  file.href = `/api/battles.jsonl?snapshot=${snap.id}`;
  const cmd = el("code", "", "arena history verify");
  ui.historyCite.replaceChildren("To cite the board, link ", link,
    ` (${snap.counted_votes} vote${snap.counted_votes === 1 ? "" : "s"}, never changed). It keeps a digest of its exact votes and `
    + "its method: download ", file, " and run ", cmd, " to check it.");
  ui.historyCite.hidden = false;
}

let bannerShown = false;
async function demoBanner() {
  if (bannerShown) return;
  bannerShown = true;
  let howTo = null;
  try {
    howTo = (await api("/api/info")).add_models;
  } catch {
    // the banner still says it is a demo
  }
  showDemoBanner("these ratings come from scripted stand-in models. ", howTo);
}

// --- wiring ---------------------------------------------------------------------------------

document.querySelector("#board thead").addEventListener("click", (e) => {
  const th = e.target.closest("th[data-key]");
  if (!th || !e.target.closest("button")) return;
  const key = th.dataset.key;
  state.sort = key === state.sort.key
    ? { key, dir: -state.sort.dir }
    : { key, dir: DESCENDING_FIRST.has(key) ? -1 : 1 };
  renderTable(state.board?.models || [], state.board);
});

$("controls").addEventListener("change", () => {
  syncStyleControl();
  load();
});
$("controls").addEventListener("submit", (e) => e.preventDefault());
darkQuery.addEventListener("change", () => state.board && renderCharts(state.board));
let resizeTimer = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (state.board) renderCharts(state.board);
    renderHistory();
  }, 150);
});
setInterval(() => {
  if (document.visibilityState === "visible") load();
}, REFRESH_MS);

readOptions();
load();
