// A plain page for the whole flow: ask, read both streams, vote, see the names.
// Model output is only ever inserted as text (textContent), never as HTML.
"use strict";
const $ = (id) => document.getElementById(id);
let battle = null;

async function api(path, body) {
  const res = await fetch(path, {method: body ? "POST" : "GET", credentials: "same-origin",
    headers: body ? {"Content-Type": "application/json"} : {}, body: body ? JSON.stringify(body) : undefined});
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((data.error && data.error.message) || res.statusText);
  return data;
}

function setVoting(on) { document.querySelectorAll("#votes button").forEach((b) => { b.disabled = !on; }); }

function stream(id) {
  return new Promise((resolve) => {
    const es = new EventSource(`/api/battles/${id}/stream`);
    es.addEventListener("delta", (e) => { const d = JSON.parse(e.data); $("pane-" + d.side).textContent += d.text; });
    es.addEventListener("error", (e) => {
      if (!e.data) return; const d = JSON.parse(e.data);
      $("pane-" + d.side).textContent += `\n[${d.message}]`;
    });
    es.addEventListener("end", (e) => { es.close(); resolve(JSON.parse(e.data)); });
  });
}

$("ask").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const prompt = $("prompt").value.trim();
  if (!prompt) return;
  setVoting(false);
  try {
    if (battle && battle.status === "active") {
      battle = await api(`/api/battles/${battle.id}/turns`, {prompt});
      for (const s of ["a", "b"]) $("pane-" + s).textContent += `\n\n> ${prompt}\n\n`;
    } else {
      battle = await api("/api/battles", {prompt});
      for (const s of ["a", "b"]) { $("pane-" + s).textContent = ""; $("name-" + s).textContent = `Model ${s.toUpperCase()}`; }
    }
    $("prompt").value = "";
    $("status").textContent = "Answering…";
    const end = await stream(battle.id);
    $("status").textContent = end.votable ? "Both answers are in: vote, or ask a follow-up." : "A model failed: start a new round.";
    setVoting(end.votable);
  } catch (e) { $("status").textContent = e.message; }
});

document.querySelectorAll("#votes button").forEach((b) => b.addEventListener("click", async () => {
  try {
    const r = await api(`/api/battles/${battle.id}/vote`, {winner: b.dataset.w});
    $("name-a").textContent = r.model_a; $("name-b").textContent = r.model_b;
    $("status").textContent = r.counted ? "Thanks! Your vote counts." : `Not counted: ${r.explanation}`;
    battle.status = "voted"; setVoting(false);
  } catch (e) { $("status").textContent = e.message; }
}));

api("/api/info").then((i) => { if (i.demo) { $("demo").hidden = false; $("demo").textContent = `Demo arena with scripted models. ${i.add_models}`; } });
