// The arena page: ask, read two anonymous answers as they stream, vote, see the names.
//
// Why one module of this size: it is the page's one state machine (idle → streaming →
// voting → voted) and every handler reads and moves that state; elements, the API wrapper
// and the renderer live in dom.js, page.js, markdown.js and typeset.js (math and code), and
// what a vote pays (the proof-of-work, the human check) in proof.js.
//
// What it promises: model output, prompts and error messages only ever reach the page
// through textContent or the DOM-building Markdown renderer (never innerHTML but for
// highlight.js's escaped token spans in a code block, see typeset.js); no model
// name is on the page before the vote (the API never sends one, and nothing here
// invents one); everything works with the keyboard alone.

import { $, el } from "./dom.js";
import { examplePrompts } from "./examples.js";
import { renderMarkdown } from "./markdown.js";
import { api, copyText, say, showDemoBanner } from "./page.js";
import { HUMAN_HINT, HumanCheck, PowTracker, refusalText, voteBody } from "./proof.js";
import { showAnswer } from "./typeset.js";

const SIDES = ["a", "b"];
const VOTE_KEYS = { a: "a", 1: "a", b: "b", 2: "b", t: "tie", 3: "tie", x: "both_bad", 4: "both_bad" };
const VOTE_WORDS = { a: "A is better", b: "B is better", tie: "Tie", both_bad: "Both are bad" };
const STORAGE_KEY = "arena.battle";
const POW_KEY = "arena.pow"; // the battle's challenge, so a reload can still pay for the vote
const narrowQuery = window.matchMedia("(max-width: 767.98px)");

const ui = {
  prompt: $("prompt"),
  promptWarning: $("prompt-warning"),
  send: $("send"),
  form: $("ask"),
  vote: $("vote"),
  result: $("result"),
  resultText: $("result-text"),
  newRound: $("new-round"),
  stop: $("stop"),
  regenerate: $("regenerate"),
  skip: $("skip"),
  panes: $("panes"),
  intro: $("intro"),
  examples: $("examples"),
  notice: $("notice"),
  human: $("human-check"),
  humanHint: $("human-check-hint"),
  humanWidget: $("human-check-widget"),
  pane: Object.fromEntries(SIDES.map((s) => [s, $(`pane-${s}`)])),
};

const state = {
  info: { max_prompt_chars: 20000, max_turns: 10 },
  battleId: null,
  turns: [], // {prompt, a: answer, b: answer, els: {a, b}}
  phase: "idle", // idle | starting | streaming | ready | blocked | voting | voted
  es: null,
  pow: new PowTracker(), // the newest proof-of-work of this battle, solving in a worker
  human: null, // the human check (a HumanCheck) when the arena asks for one
  nagged: "", // the notice that said the human check is missing, until it is done
};

// --- small helpers ----------------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const newAnswer = () => ({ text: "", status: "waiting", error: null, finish: null });
const current = () => state.turns[state.turns.length - 1];

// --- rendering ----------------------------------------------------------------------------

const dirty = new Set();
let frame = 0;

function paneBody(side) {
  return ui.pane[side].querySelector(".pane-body");
}

function addTurn(prompt) {
  const turn = { prompt, a: newAnswer(), b: newAnswer(), els: {} };
  for (const side of SIDES) {
    const body = paneBody(side);
    body.querySelector(".pane-empty")?.remove();
    const box = el("section", "turn");
    box.setAttribute("aria-label", `Turn ${state.turns.length + 1}`);
    const q = el("div", "turn-prompt", prompt);
    q.setAttribute("aria-label", "Your prompt");
    const md = el("div", "md answer");
    const err = el("p", "answer-error");
    err.setAttribute("role", "alert");
    err.hidden = true;
    const note = el("p", "answer-note");
    note.hidden = true;
    const tools = el("div", "answer-tools");
    const copy = el("button", "copy-answer", "Copy answer");
    copy.type = "button";
    copy.setAttribute("aria-label", `Copy model ${side.toUpperCase()}'s answer`);
    copy.hidden = true;
    tools.append(copy);
    box.append(q, md, err, note, tools);
    body.append(box);
    turn.els[side] = { box, md, err, note, copy };
  }
  state.turns.push(turn);
  ui.intro.hidden = true;
  return turn;
}

let nextRenderAt = 0;

function scheduleRender(side) {
  dirty.add(side);
  if (!frame) frame = requestAnimationFrame(flushRender);
}

function flushRender(now = performance.now()) {
  frame = 0;
  const turn = current();
  if (!turn) return;
  const streaming = SIDES.some((side) => turn[side].status === "streaming");
  if (streaming && now < nextRenderAt) { // a long answer: skip frames rather than stall
    frame = requestAnimationFrame(flushRender);
    return;
  }
  const started = performance.now();
  for (const side of dirty) renderAnswer(turn, side);
  dirty.clear();
  nextRenderAt = started + 2 * (performance.now() - started);
}

function renderAnswer(turn, side) {
  const answer = turn[side];
  const els = turn.els[side];
  const body = paneBody(side);
  const stick = body.scrollHeight - body.scrollTop - body.clientHeight < 48;
  try {
    showAnswer(els.md, renderMarkdown(answer.text)); // with math and code typeset
  } catch (err) { // never lose an answer to a renderer bug: show it as plain text
    console.warn("markdown rendering failed", err);
    els.md.replaceChildren(el("p", "plain-answer", answer.text));
  }
  els.md.classList.toggle("streaming", answer.status === "streaming");
  els.err.hidden = !answer.error;
  els.err.textContent = answer.error || "";
  const note = answer.status === "stopped" ? "Stopped before the end."
    : answer.finish === "length" ? "The answer reached its length limit."
      : answer.finish === "filtered" ? "The answer was cut by a content filter." : "";
  els.note.hidden = !note;
  els.note.textContent = note;
  els.copy.hidden = !(answer.text && answer.status !== "streaming" && answer.status !== "waiting");
  if (stick) body.scrollTop = body.scrollHeight;
  if (turn === current()) renderStatus(side);
}

function renderStatus(side) {
  const turn = current();
  const status = ui.pane[side].querySelector(".pane-status");
  const words = { waiting: "Waiting…", queued: "Waiting for the model…", streaming: "Writing…",
    done: "Done", error: "Failed", stopped: "Stopped" };
  status.textContent = turn ? words[turn[side].status] || "" : "";
  status.classList.toggle("is-streaming", !!turn && ["waiting", "queued", "streaming"].includes(turn[side].status));
}

function renderAll() {
  const turn = current();
  if (turn) for (const side of SIDES) renderAnswer(turn, side);
}

function setPhase(phase) {
  state.phase = phase;
  const busy = ["starting", "streaming", "voting"].includes(phase);
  ui.vote.disabled = phase !== "ready";
  ui.vote.hidden = phase === "voted";
  ui.result.hidden = phase !== "voted";
  ui.stop.hidden = phase !== "streaming";
  ui.regenerate.hidden = !(state.battleId && ["ready", "blocked"].includes(phase));
  // A way forward in every state: a round that is stuck (a model down, a stop) or that the
  // voter would rather not judge can always be left, by touch and mouse as well as N.
  ui.skip.hidden = !(state.battleId && ["ready", "blocked"].includes(phase));
  ui.send.disabled = busy;
  ui.form.setAttribute("aria-busy", String(busy));
  const full = state.turns.length >= state.info.max_turns;
  const narrow = narrowQuery.matches;
  ui.prompt.placeholder = phase === "ready" && !full
    ? (narrow ? "Ask a follow-up…" : "Ask a follow-up… (the vote covers the whole conversation)")
    : phase === "voted" ? (narrow ? "Ask something new…" : "Ask something new to start the next round…")
      : (narrow ? "Ask anything…" : "Ask anything… (Enter sends, Shift+Enter adds a line)");
  if (!busy && frame === 0) for (const side of SIDES) renderStatus(side);
}

// --- the round ----------------------------------------------------------------------------

async function submit() {
  const prompt = ui.prompt.value;
  if (["starting", "streaming", "voting"].includes(state.phase)) return;
  if (!prompt.trim()) {
    say("Write a question or a task first: the prompt is empty.", "error");
    ui.prompt.focus();
    return;
  }
  if (prompt.length > state.info.max_prompt_chars) {
    say(`The prompt is ${prompt.length} characters; the limit is ${state.info.max_prompt_chars}.`, "error");
    return;
  }
  // After answers that did not finish, a new prompt starts a new round (the old one
  // cannot be voted on): the voter is never told to do something else first.
  const followUp = state.phase === "ready" && state.battleId;
  if (followUp && state.turns.length >= state.info.max_turns) {
    say(`A battle has at most ${state.info.max_turns} turns: vote, then start a new round.`, "error");
    return;
  }
  const previous = state.phase;
  if (!followUp) resetRound();
  setPhase("starting");
  say(followUp ? "Follow-up sent to both models. Your vote will cover the whole conversation."
    : "Asking two anonymous models…");
  try {
    if (followUp) {
      takePow(await api(`/api/battles/${state.battleId}/turns`, { prompt }));
    } else {
      const battle = await api("/api/battles", { prompt });
      state.battleId = battle.id;
      sessionStorage.setItem(STORAGE_KEY, battle.id);
      takePow(battle);
    }
  } catch (err) {
    say(err.message, "error");
    setPhase(followUp ? previous : "idle");
    if (err.code === "sign_in_required") checkAccess(); // the session ended meanwhile
    return;
  }
  ui.prompt.value = "";
  checkSeq += 1; // an answer still on its way is for the old text
  ui.promptWarning.hidden = true;
  autosize();
  addTurn(prompt);
  renderAll();
  openStream();
  if (document.activeElement === ui.prompt) {
    // Out of the prompt box so the shortcuts work at once ("/" comes back), onto both
    // answers at once: a focus frame around one side alone would favour it.
    ui.panes.focus({ preventScroll: true });
  }
}

function openStream() {
  const turn = current();
  const es = new EventSource(`/api/battles/${encodeURIComponent(state.battleId)}/stream`);
  state.es = es;
  setPhase("streaming");
  const mine = (fn) => (event) => {
    if (state.es === es) fn(event);
  };
  es.onopen = mine(() => {
    // A reconnect replays the turn from its first event: start the texts over.
    for (const side of SIDES) {
      turn[side] = newAnswer();
      scheduleRender(side);
    }
  });
  es.addEventListener("delta", mine((e) => {
    const d = JSON.parse(e.data);
    const answer = turn[d.side];
    answer.text += d.text;
    answer.status = "streaming";
    scheduleRender(d.side);
  }));
  es.addEventListener("waiting", mine((e) => { // its server is busy with the other side
    const d = JSON.parse(e.data);
    turn[d.side].status = "queued";
    scheduleRender(d.side);
  }));
  es.addEventListener("done", mine((e) => {
    const d = JSON.parse(e.data);
    turn[d.side].status = "done";
    turn[d.side].finish = d.finish_reason || null;
    scheduleRender(d.side);
  }));
  es.addEventListener("error", mine((e) => {
    if (typeof e.data === "string") { // the server's per-side error event
      const d = JSON.parse(e.data);
      turn[d.side].status = "error";
      turn[d.side].error = d.message || `Model ${d.side.toUpperCase()} failed to answer.`;
      scheduleRender(d.side);
      return;
    }
    if (es.readyState === EventSource.CLOSED) { // refused or broken: ask the server
      state.es = null;
      syncFromServer({ reopen: true });
    } else {
      say("The connection dropped; reconnecting…", "error");
    }
  }));
  es.addEventListener("end", mine((e) => {
    es.close();
    state.es = null;
    const d = JSON.parse(e.data);
    finishTurn(d.status === "done" && d.votable);
  }));
}

function finishTurn(votable) {
  flushRender();
  renderAll();
  if (votable) {
    setPhase("ready");
    say("Both answers are in. Vote, or ask a follow-up: the vote covers the whole conversation.");
  } else {
    setPhase("blocked");
    say("Not every answer finished, so this round cannot be voted on: regenerate (R) to ask "
      + "both models again, start a new round (N), or just ask something new.", "error");
  }
}

function stop() {
  if (!state.es) return;
  state.es.close();
  state.es = null;
  // A closed stream alone keeps the answers running for a reader who comes back (a reload);
  // Stop says so on purpose. Regenerate waits for the server to record the stop.
  api(`/api/battles/${encodeURIComponent(state.battleId)}/stop`, {}).catch(() => {});
  const turn = current();
  for (const side of SIDES) {
    if (!["done", "error"].includes(turn[side].status)) turn[side].status = "stopped";
  }
  renderAll();
  setPhase("blocked");
  say("Stopped. An unfinished round cannot be voted on: regenerate (R) to ask both models "
    + "again, start a new round (N), or just ask something new.", "error");
}

async function syncFromServer({ reopen }) {
  // Used when a stream could not be (re)opened: the stored battle says where things stand.
  for (let attempt = 0; attempt < 20; attempt++) {
    let view;
    try {
      view = await api(`/api/battles/${encodeURIComponent(state.battleId)}`);
    } catch (err) {
      setPhase("blocked");
      say(err.message, "error");
      return;
    }
    const latest = view.turns[view.turns.length - 1];
    if (["pending", "running"].includes(latest.status)) {
      if (reopen) {
        await sleep(1000);
        openStream();
        return;
      }
      await sleep(300);
      continue;
    }
    applyTurn(current(), latest);
    finishTurn(view.votable);
    return;
  }
}

function applyTurn(turn, view) {
  for (const side of SIDES) {
    const a = view[side];
    if (!a) continue;
    turn[side] = {
      text: a.text,
      status: a.status === "done" ? "done" : a.status === "incomplete" ? "stopped" : "error",
      error: a.status === "done" ? null : a.error,
      finish: a.finish_reason,
    };
  }
}

async function regenerate() {
  if (!state.battleId || !["ready", "blocked"].includes(state.phase)) return;
  setPhase("starting");
  say("Asking both models again…");
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        takePow(await api(`/api/battles/${encodeURIComponent(state.battleId)}/regenerate`, {}));
        break;
      } catch (err) {
        // Right after a stop the server may still be recording the cancelled answers.
        if (err.code !== "still_streaming" || attempt >= 20) throw err;
        await sleep(250);
      }
    }
  } catch (err) {
    setPhase("blocked");
    say(err.message, "error");
    return;
  }
  const turn = current();
  for (const side of SIDES) turn[side] = newAnswer();
  renderAll();
  openStream();
}

// --- paying for the vote -------------------------------------------------------------------

/** A battle response that starts answers carries the battle's newest proof-of-work (when
 * the arena asks for one): solve it now, while the answers stream. */
function takePow(battle) {
  if (!battle || !battle.pow) return;
  state.pow.start(battle.pow);
  sessionStorage.setItem(POW_KEY, JSON.stringify({ battle: battle.id, ...battle.pow }));
}

function forgetPow() {
  state.pow.clear();
  sessionStorage.removeItem(POW_KEY);
}

function resumePow(battleId) {
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(POW_KEY) || "null");
  } catch {
    saved = null;
  }
  if (saved && saved.battle === battleId) state.pow.start(saved);
}

function startHumanCheck(captcha) {
  ui.human.hidden = false;
  state.human = new HumanCheck(captcha, ui.humanWidget, renderHumanCheck);
  renderHumanCheck();
  state.human.mount();
}

function renderHumanCheck() {
  const human = state.human;
  ui.humanHint.textContent = human.hint;
  ui.human.classList.toggle("is-done", !!human.token);
  ui.human.classList.toggle("is-broken", human.state === "broken");
  if (human.state === "broken") say(HUMAN_HINT.broken, "error");
  if (human.token && state.nagged) { // the explanation of a vote refused for want of it is stale
    if (ui.notice.textContent === state.nagged) say("");
    state.nagged = "";
  }
}

/** Why the vote cannot be sent yet ("" when it can): the human check has no token. */
function missingProof() {
  const human = state.human;
  if (!human || human.token) return "";
  if (human.state === "broken") return HUMAN_HINT.broken;
  if (human.state === "loading") return "The human check is still loading; complete it, then vote.";
  return "Complete the human check next to the vote buttons first: the arena asks for it "
    + "before each vote. Then vote again.";
}

async function vote(winner) {
  if (state.phase !== "ready") return;
  const missing = missingProof();
  if (missing) {
    say(missing, "error");
    state.nagged = missing;
    return;
  }
  setPhase("voting"); // the vote bar is disabled from here on: one click, one vote
  ui.vote.querySelector(`[data-vote="${winner}"]`).classList.add("chosen");
  let powFields;
  try {
    if (state.pow.active && !state.pow.solved) say("Checking this browser… a second.");
    powFields = await state.pow.proof();
  } catch (err) {
    ui.vote.querySelector(".chosen")?.classList.remove("chosen");
    setPhase("ready");
    say(`This browser could not finish its check for the battle (${err.message}); reload `
      + "the page and vote again.", "error");
    return;
  }
  say("Recording your vote…");
  const token = state.human ? state.human.token : null;
  let result;
  try {
    result = await api(`/api/battles/${encodeURIComponent(state.battleId)}/vote`,
      voteBody(winner, powFields, token));
  } catch (err) {
    if (token && err.status) state.human.reset(); // the server saw the token: it is spent
    ui.vote.querySelector(".chosen")?.classList.remove("chosen");
    setPhase(err.code === "already_voted" ? "blocked" : "ready");
    say(refusalText(err.code, err.message) || err.message, "error");
    return;
  }
  if (token) state.human.reset();
  sessionStorage.removeItem(STORAGE_KEY);
  forgetPow();
  reveal(winner, result);
}

function reveal(winner, result) {
  for (const side of SIDES) {
    const pane = ui.pane[side];
    const name = pane.querySelector(".pane-name");
    name.textContent = side === "a" ? result.model_a : result.model_b;
    name.hidden = false;
    const won = winner === side;
    pane.classList.toggle("winner", won);
    const title = pane.querySelector("h2");
    if (won) title.append(el("span", "badge", "Your pick"));
    if ((result.leak_side || "").includes(side)) {
      pane.classList.add("leaked");
      title.append(el("span", "badge bad", "Named itself"));
    }
  }
  const head = el("strong", "", result.counted
    ? `You voted: ${VOTE_WORDS[winner]}.`
    : `You voted: ${VOTE_WORDS[winner]}. Not counted.`);
  const why = result.counted
    ? "Your vote counts toward the leaderboard. "
    : `${sentence(result.explanation || reasonText(result.excluded_reason))} `;
  const board = el("a", "", "See the leaderboard");
  board.href = "/leaderboard";
  // The voter's own board, from their counted votes only (GET /api/me/leaderboard).
  const mine = el("a", "your-board", "Your board");
  mine.href = "/leaderboard#mine";
  // Both names in the result itself: on a phone model B's pane can be far off-screen.
  const names = el("span", "result-names");
  names.append("A: ", el("strong", "", result.model_a), " · B: ", el("strong", "", result.model_b));
  ui.resultText.replaceChildren(head, names, document.createTextNode(why), board,
    document.createTextNode(" · "), mine);
  if (state.info.share_battles) ui.resultText.append(shareBox(state.battleId));
  ui.result.classList.toggle("not-counted", !result.counted);
  setPhase("voted");
  say("");
  ui.newRound.focus();
}

/** "Share this battle" (ARENA_SHARE_BATTLES): the permalink with a copy button, and a way
 * to stop sharing; a battle whose prompt holds private data is refused, and says why. */
function shareBox(battleId) {
  const box = el("span", "share");
  const path = `/api/battles/${encodeURIComponent(battleId)}/share`;
  const button = el("button", "share-battle", "Share this battle");
  button.type = "button";
  const offer = () => box.replaceChildren(button);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const link = await api(path, {});
      const url = new URL(link.url, location.origin).href;
      const a = el("a", "share-link", url);
      a.href = url;
      const copy = el("button", "share-copy", "Copy link");
      copy.type = "button";
      copy.addEventListener("click", () => copyText(url, copy));
      const stop = el("button", "share-stop", "Stop sharing");
      stop.type = "button";
      stop.addEventListener("click", async () => {
        try {
          await api(path, undefined, "DELETE");
          offer();
        } catch (err) {
          say(err.message, "error");
        }
      });
      box.replaceChildren("Anyone with this link can read the battle: ", a, " ", copy, " ", stop);
    } catch (err) {
      box.replaceChildren(el("span", "share-refused", err.message));
    } finally {
      button.disabled = false;
    }
  });
  offer();
  return box;
}

function reasonText(reason) {
  if (reason === "identity_leak") return "a model gave away who it is, so this vote is not counted";
  return `this vote is not counted (${String(reason || "unknown reason").replace(/_/g, " ")})`;
}

function sentence(text) {
  const t = String(text).trim();
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? "" : ".");
}

function resetRound() {
  if (state.es) state.es.close();
  state.es = null;
  state.battleId = null;
  state.turns = [];
  state.skipWarned = false;
  sessionStorage.removeItem(STORAGE_KEY);
  forgetPow();
  for (const side of SIDES) {
    const pane = ui.pane[side];
    pane.classList.remove("winner", "leaked");
    pane.querySelectorAll(".badge").forEach((b) => b.remove());
    const name = pane.querySelector(".pane-name");
    name.textContent = "";
    name.hidden = true;
    paneBody(side).replaceChildren(el("p", "pane-empty", `Model ${side.toUpperCase()}'s answer will appear here.`));
    pane.querySelector(".pane-status").textContent = "";
  }
  ui.vote.querySelectorAll(".chosen").forEach((b) => b.classList.remove("chosen"));
  ui.intro.hidden = false;
}

function newRound() {
  if (["starting", "streaming", "voting"].includes(state.phase)) return;
  resetRound();
  setPhase("idle");
  say("");
  ui.prompt.focus();
}

// --- resume after a reload ------------------------------------------------------------------

async function resume() {
  const id = sessionStorage.getItem(STORAGE_KEY);
  if (!id) return;
  let view;
  try {
    view = await api(`/api/battles/${encodeURIComponent(id)}`);
  } catch {
    sessionStorage.removeItem(STORAGE_KEY);
    return;
  }
  if (view.status !== "active" || state.battleId) return; // voted: start fresh
  const last = view.turns[view.turns.length - 1];
  if (!["pending", "running"].includes(last.status) && !view.votable) {
    // Its answers did not finish, and a reload must not bring the dead end back.
    sessionStorage.removeItem(STORAGE_KEY);
    say("The last round's answers did not finish, so it was set aside. Ask something to "
      + "start a new round.");
    return;
  }
  state.battleId = view.id;
  resumePow(view.id);
  for (const t of view.turns) applyTurn(addTurn(t.prompt), t);
  const latest = view.turns[view.turns.length - 1];
  if (["pending", "running"].includes(latest.status)) {
    openStream();
  } else {
    renderAll();
    finishTurn(view.votable);
  }
}

// --- copying ----------------------------------------------------------------------------------

document.addEventListener("click", (e) => {
  const codeButton = e.target.closest(".copy-code");
  if (codeButton) {
    copyText(codeButton.closest(".code-block").querySelector("code").textContent, codeButton);
    return;
  }
  const answerButton = e.target.closest(".copy-answer");
  if (answerButton) {
    const side = answerButton.closest(".pane").dataset.side;
    const box = answerButton.closest(".turn");
    const turn = state.turns.find((t) => t.els[side].box === box);
    if (turn) copyText(turn[side].text, answerButton);
  }
});

// --- keyboard -------------------------------------------------------------------------------

function autosize() {
  ui.prompt.style.height = "auto";
  ui.prompt.style.height = `${Math.min(ui.prompt.scrollHeight + 2, 192)}px`;
}

ui.prompt.addEventListener("input", autosize);

// While the voter types, ask the server whether the prompt asks the models who they are
// (the leak rule's own test): such a vote won't count if a model names itself, so say so
// before it is sent. Debounced, and only the latest answer is shown.
let checkTimer = 0;
let checkSeq = 0;
async function checkPrompt() {
  const prompt = ui.prompt.value;
  const seq = ++checkSeq;
  if (!prompt.trim()) {
    ui.promptWarning.hidden = true;
    return;
  }
  try {
    const out = await api("/api/prompts/check", { prompt });
    if (seq !== checkSeq) return;
    ui.promptWarning.textContent = out.warning || "";
    ui.promptWarning.hidden = !out.warning;
  } catch {
    // a failed look-ahead is not worth a notice: the rule still applies at vote time
  }
}
ui.prompt.addEventListener("input", () => {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(checkPrompt, 300);
});
ui.prompt.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
    e.preventDefault();
    submit();
  } else if (e.key === "Escape" && state.phase !== "streaming") {
    e.preventDefault();
    const first = ui.vote.disabled ? null : ui.vote.querySelector("button");
    (first || ui.panes).focus();
  }
});

ui.form.addEventListener("submit", (e) => {
  e.preventDefault();
  submit();
});

document.addEventListener("keydown", (e) => {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === "Escape" && state.phase === "streaming") {
    e.preventDefault();
    stop();
    return;
  }
  const t = e.target;
  if (t === ui.prompt || t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName)) return;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (key in VOTE_KEYS && state.phase === "ready") {
    e.preventDefault();
    vote(VOTE_KEYS[key]);
  } else if (key === "n" && ["voted", "blocked", "ready", "idle"].includes(state.phase)
             && (state.phase !== "ready" || confirmNew())) {
    e.preventDefault();
    newRound();
  } else if (key === "r" && ["ready", "blocked"].includes(state.phase)) {
    e.preventDefault();
    regenerate();
  } else if (key === "/") {
    e.preventDefault();
    ui.prompt.focus();
  }
});

function confirmNew(how = "Press N") {
  // Leaving a votable round unvoted wastes both answers: say so once, in the notice.
  if (state.skipWarned) return true;
  state.skipWarned = true;
  say(`This round has not been voted on. ${how} again to skip it, or vote first.`);
  return false;
}

function skip() {
  if (state.phase === "blocked" || (state.phase === "ready" && confirmNew("Choose New round"))) {
    newRound();
  }
}

ui.vote.addEventListener("click", (e) => {
  const button = e.target.closest("[data-vote]");
  if (button) vote(button.dataset.vote);
});
ui.stop.addEventListener("click", stop);
ui.regenerate.addEventListener("click", regenerate);
ui.newRound.addEventListener("click", newRound);
ui.skip.addEventListener("click", skip);

function showExamples() {
  const prompts = examplePrompts(navigator.languages || [navigator.language]);
  ui.examples.replaceChildren(...prompts.map((text) => {
    const button = el("button", "example", text);
    button.type = "button";
    button.addEventListener("click", () => {
      ui.prompt.value = text;
      autosize();
      ui.prompt.dispatchEvent(new Event("input")); // the who-are-you look-ahead
      ui.prompt.focus();
    });
    return button;
  }));
  ui.examples.hidden = prompts.length === 0;
}

// --- who may vote (ARENA_ACCESS invite or sso) ---------------------------------------------

const SIGN_IN_TEXT = {
  sso: "This arena is open to the members of an organisation: sign in with your "
    + "organisation's account to compare answers and vote. Your votes are kept under a "
    + "pseudonym, never your e-mail address.",
  invite: "This arena is open to invited voters only: ask your organiser for an invite "
    + "link and open it in this browser.",
};

/** The sign-in screen instead of the prompt: nothing here works without a session. */
function showSignIn(mode) {
  $("sign-in-text").textContent = SIGN_IN_TEXT[mode] || SIGN_IN_TEXT.invite;
  $("sign-in-button").hidden = mode !== "sso";
  $("sign-in").hidden = false;
  $("sign-out").hidden = true;
  ui.intro.hidden = true;
  ui.panes.hidden = true;
  $("dock").hidden = true;
  sessionStorage.removeItem(STORAGE_KEY);
}

/** Whether this browser may vote; draws the sign-in screen when it may not. */
async function checkAccess() {
  let access;
  try {
    access = await api("/api/access");
  } catch (err) {
    say(err.message, "error");
    return true;
  }
  if (access.mode === "open") return true;
  if (!access.signed_in) {
    showSignIn(access.mode);
    return false;
  }
  // Only a sign-in can be left and taken again: an invited browser that signed out would
  // need another use of its link.
  $("sign-out").hidden = access.kind !== "sso";
  return true;
}

// --- start ------------------------------------------------------------------------------------

async function start() {
  setPhase("idle");
  showExamples();
  if (!(await checkAccess())) return;
  try {
    state.info = { ...state.info, ...(await api("/api/info")) };
  } catch (err) {
    say(err.message, "error");
  }
  if (state.info.captcha) startHumanCheck(state.info.captcha);
  if (state.info.demo) {
    showDemoBanner("the models here are scripted stand-ins, not real language models. ",
      state.info.add_models);
  }
  await resume();
  if (state.phase === "idle") ui.prompt.focus();
}

start();
