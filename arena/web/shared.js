// The page of a shared battle (/b/{slug}): both conversations as the voter saw them, the
// two models and the vote. The text goes through the same Markdown renderer and
// typesetting as the arena's answers (never innerHTML).

import { $, el } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { api, copyText } from "./page.js";
import { showAnswer } from "./typeset.js";

const SIDES = ["a", "b"];
const PICK = {
  a: (s) => `the voter picked ${s.model_a} (A)`,
  b: (s) => `the voter picked ${s.model_b} (B)`,
  tie: () => "the voter called it a tie",
  both_bad: () => "the voter found both answers bad",
};

function answerBox(text) {
  const md = el("div", "md answer");
  if (text === null) {
    md.append(el("p", "pane-empty", "No answer."));
    return md;
  }
  try {
    showAnswer(md, renderMarkdown(text));
  } catch (err) { // never lose an answer to a renderer bug: show it as plain text
    console.warn("markdown rendering failed", err);
    md.replaceChildren(el("p", "plain-answer", text));
  }
  return md;
}

function render(shared) {
  $("shared-summary").textContent = `${shared.model_a} vs ${shared.model_b} · `
    + `${PICK[shared.winner](shared)} · ${shared.day}`;
  document.title = `${shared.model_a} vs ${shared.model_b} — Arena`;
  for (const side of SIDES) {
    const pane = $(`pane-${side}`);
    pane.querySelector(".pane-name").textContent = shared[`model_${side}`];
    pane.classList.toggle("winner", shared.winner === side);
    const body = pane.querySelector(".pane-body");
    body.replaceChildren(...shared.turns.map((turn, k) => {
      const box = el("section", "turn");
      box.setAttribute("aria-label", `Turn ${k + 1}`);
      const prompt = el("div", "turn-prompt", turn.prompt);
      prompt.setAttribute("aria-label", "The prompt");
      box.append(prompt, answerBox(turn[side]));
      return box;
    }));
  }
  $("panes").hidden = false;
  $("shared-note").hidden = false;
}

async function start() {
  const slug = decodeURIComponent(location.pathname.split("/").pop() || "");
  try {
    render(await api(`/api/shared/${encodeURIComponent(slug)}`));
  } catch (err) {
    $("shared-summary").textContent = "";
    const box = $("shared-error");
    box.textContent = err.message;
    box.hidden = false;
  }
}

document.addEventListener("click", (e) => {
  const button = e.target.closest(".copy-code");
  if (button) copyText(button.closest(".code-block").querySelector("code").textContent, button);
});

start();
