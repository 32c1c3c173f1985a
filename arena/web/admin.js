// The operator console (/admin): sign in with the console's token, then votes under
// review (with an override and a written reason), the battle browser, every model ever
// tested, and the audit log. Everything goes through /api/admin/*, which answers 401
// without a session; text from the database is only ever set as textContent.

import { $, el } from "./dom.js";
import { api, copyText, say } from "./page.js";

const STATE_WORDS = { true: "counted", false: "excluded" };

function cell(text, className = "") {
  return el("td", className, text === null || text === undefined ? "–" : String(text));
}

function rows(table, items) {
  $(table).querySelector("tbody").replaceChildren(...items);
}

function when(iso) {
  return iso ? iso.replace("T", " ").replace("+00:00", " UTC") : "–";
}

async function signedIn() {
  try {
    const me = await api("/api/admin/me");
    $("who").textContent = `Signed in as ${me.actor}.`;
    $("login").hidden = true;
    $("console").hidden = false;
    await Promise.all([loadVotes(), loadBattles(), loadRegister(), loadAudit(), loadInvites(),
      loadRefusals()]);
  } catch (err) { // 401: not signed in yet; 403 console_off: no token is set
    $("console").hidden = true;
    $("login").hidden = err.code === "console_off";
    if (err.code !== "admin_required") say(err.message, "error");
    const access = await api("/api/access").catch(() => null);
    $("login-sso").hidden = !(access && access.mode === "sso");
  }
}

$("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    await api("/api/admin/login", { name: $("login-name").value.trim(), token: $("login-token").value });
    $("login-token").value = "";
    say("");
    await signedIn();
  } catch (err) {
    say(err.message, "error");
  }
});

$("logout").addEventListener("click", async () => {
  await api("/api/admin/logout", {}).catch(() => {});
  $("console").hidden = true;
  $("login").hidden = false;
  say("Signed out.");
});

// --- votes under review ---------------------------------------------------------------

/** The reason every console change needs (the audit log keeps it). */
function reasonInput(label) {
  const note = el("input");
  note.placeholder = "why (required)";
  note.required = true;
  note.maxLength = 500;
  note.setAttribute("aria-label", label);
  return note;
}

/** A one-choice change with its reason: ``send(choice, note)`` makes it, then ``done``
 * reloads what it changed. */
function choiceForm({ label, choices, value, reason, send, done }) {
  const form = el("form", "admin-override");
  const choice = el("select");
  choice.setAttribute("aria-label", label);
  for (const [key, text] of choices) {
    const option = el("option", "", text);
    option.value = key;
    choice.append(option);
  }
  choice.value = value;
  const note = reasonInput(reason);
  const apply = el("button", "", "Apply");
  apply.type = "submit";
  form.append(choice, note, apply);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      say(await send(choice.value, note.value));
      await done();
    } catch (err) {
      say(err.message, "error");
    }
  });
  return form;
}

function overrideForm(vote) {
  return choiceForm({
    label: `Decision for battle ${vote.battle_id}`,
    choices: [["counted", "count it"], ["excluded", "exclude it"], ["auto", "let detection decide"]],
    value: vote.review || (vote.counted ? "excluded" : "counted"),
    reason: `Reason for battle ${vote.battle_id}`,
    send: async (review, note) => {
      await api(`/api/admin/votes/${encodeURIComponent(vote.battle_id)}`, { review, note });
      return `Battle ${vote.battle_id}: done.`;
    },
    done: () => Promise.all([loadVotes(), loadBattles(), loadAudit()]),
  });
}

async function loadVotes() {
  const reason = $("votes-reason").value;
  const body = await api(`/api/admin/votes${reason ? `?reason=${encodeURIComponent(reason)}` : ""}`);
  const excluded = Object.entries(body.totals.excluded_votes || {})
    .map(([why, n]) => `${n} ${why.replace(/_/g, " ")}`).join(", ");
  $("votes-totals").textContent = `${body.totals.counted_votes} counted votes; excluded: ${excluded || "none"}.`;
  rows("votes-table", body.votes.map((v) => {
    const tr = el("tr");
    const state = v.counted ? "counted" : `excluded (${(v.excluded_reason || "").replace(/_/g, " ")})`;
    const pinned = v.review ? ` · pinned ${STATE_WORDS[v.review === "counted"]}: ${v.review_note || ""}` : "";
    const override = el("td");
    override.append(overrideForm(v));
    tr.append(cell(v.battle_id.slice(0, 10), "mono"), cell(when(v.created_at)),
      cell(`${v.model_a} vs ${v.model_b}`), cell(v.winner), cell(state + pinned),
      cell(`${v.voter} · ${v.address || "–"}`, "mono"), override);
    return tr;
  }));
}

$("votes-reason").addEventListener("change", () => loadVotes().catch((err) => say(err.message, "error")));

// --- battles --------------------------------------------------------------------------

async function loadBattles() {
  const params = new URLSearchParams();
  for (const name of ["q", "model", "status", "category"]) {
    const value = $(`battles-${name}`).value.trim();
    if (value) params.set(name, value);
  }
  const body = await api(`/api/admin/battles?${params}`);
  const shown = body.total > body.battles.length ? `; the newest ${body.battles.length} are shown` : "";
  $("battles-count").textContent = `${body.total} ${body.total === 1 ? "battle matches" : "battles match"}${shown}.`;
  rows("battles-table", body.battles.map((b) => {
    const tr = el("tr");
    const open = el("button", "link-button mono", b.id.slice(0, 10));
    open.type = "button";
    open.setAttribute("aria-label", `Show battle ${b.id}`);
    open.addEventListener("click", () => showBattle(b.id));
    const idCell = el("td");
    idCell.append(open);
    const status = b.winner ? `${b.winner} · ${b.counted ? "counted" : (b.excluded_reason || "").replace(/_/g, " ")}` : b.status;
    const override = el("td");
    if (b.winner) override.append(overrideForm({ battle_id: b.id, counted: b.counted, review: null }));
    tr.append(idCell, cell(when(b.created_at)), cell(`${b.model_a} vs ${b.model_b}`),
      cell(b.prompt.length > 120 ? `${b.prompt.slice(0, 120)}…` : b.prompt), cell(status),
      override);
    return tr;
  }));
}

async function showBattle(id) {
  try {
    const b = await api(`/api/admin/battles/${encodeURIComponent(id)}`);
    const box = $("battle-detail");
    box.textContent = JSON.stringify(b, null, 2);
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  } catch (err) {
    say(err.message, "error");
  }
}

$("battles-form").addEventListener("submit", (e) => {
  e.preventDefault();
  loadBattles().catch((err) => say(err.message, "error"));
});

// --- refused prompts ----------------------------------------------------------------------

async function loadRefusals() {
  const body = await api("/api/admin/refusals");
  rows("refusals-table", body.refusals.map((r) => {
    const tr = el("tr");
    tr.append(cell(when(r.at)), cell(`${r.voter} · ${r.address || "–"}`, "mono"),
      cell(r.battle_id ? r.battle_id.slice(0, 10) : "–", "mono"),
      cell(r.prompt.length > 200 ? `${r.prompt.slice(0, 200)}…` : r.prompt), cell(r.reason));
    return tr;
  }));
}

// --- invites (ARENA_ACCESS=invite) ------------------------------------------------------

async function loadInvites() {
  let body;
  try {
    body = await api("/api/admin/invites");
  } catch (err) { // 409 invites_off: an open or sso arena has no invite links
    $("invites").hidden = true;
    if (err.code !== "invites_off") throw err;
    return;
  }
  $("invites").hidden = false;
  rows("invites-table", body.invites.map((i) => {
    const tr = el("tr", i.state === "open" ? "" : "retired");
    const act = el("td");
    if (i.state !== "revoked") {
      const revoke = el("button", "", "Withdraw");
      revoke.type = "button";
      revoke.setAttribute("aria-label", `Withdraw the invite ${i.label || i.id}`);
      revoke.addEventListener("click", async () => {
        try {
          await api(`/api/admin/invites/${encodeURIComponent(i.id)}/revoke`, {});
          await Promise.all([loadInvites(), loadAudit()]);
        } catch (err) {
          say(err.message, "error");
        }
      });
      act.append(revoke);
    }
    tr.append(cell(i.label || i.id), cell(i.state.replace("_", " ")),
      cell(i.max_uses === null ? `${i.uses} of any` : `${i.uses} of ${i.max_uses}`),
      cell(i.voters, "num"), cell(i.votes, "num"), cell(when(i.expires_at)), act);
    return tr;
  }));
}

$("invite-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const uses = $("invite-uses").value;
  try {
    const made = await api("/api/admin/invites", {
      label: $("invite-label").value.trim() || null,
      uses: uses ? Number(uses) : null,
      expires_days: Number($("invite-days").value),
    });
    const a = el("a", "share-link", made.url);
    a.href = made.url;
    const copy = el("button", "share-copy", "Copy link");
    copy.type = "button";
    copy.addEventListener("click", () => copyText(made.url, copy));
    $("invite-new").replaceChildren("Hand out this link: ", a, " ", copy);
    $("invite-new").hidden = false;
    await Promise.all([loadInvites(), loadAudit()]);
  } catch (err) {
    say(err.message, "error");
  }
});

// --- register and audit ---------------------------------------------------------------

/** A roster model's settings, changed live with a reason: an empty field goes back to
 * the roster's value. */
function settingsForm(m) {
  const box = el("details", "admin-settings");
  box.append(el("summary", "", "Settings"));
  const form = el("form", "admin-override");
  const fields = {};
  for (const [key, label, type] of [["weight", "Weight", "number"], ["max_tokens", "Max tokens", "number"],
    ["temperature", "Temperature", "number"], ["system_prompt", "System prompt", "text"]]) {
    const input = el("input");
    input.type = type;
    if (type === "number") input.step = "any";
    input.placeholder = "as the roster says";
    if (m.overrides[key] !== undefined) input.value = String(m.overrides[key]);
    input.setAttribute("aria-label", `${label} of ${m.model}`);
    const wrap = el("label", "", `${label} `);
    wrap.append(input);
    form.append(wrap);
    fields[key] = input;
  }
  const note = reasonInput(`Reason for the settings of ${m.model}`);
  const apply = el("button", "", "Save");
  apply.type = "submit";
  form.append(note, apply);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { note: note.value };
    for (const [key, input] of Object.entries(fields)) {
      const raw = input.value.trim();
      body[key] = raw === "" ? null : key === "system_prompt" ? raw : Number(raw);
    }
    try {
      await api(`/api/admin/models/${encodeURIComponent(m.model)}`, body);
      say(`${m.model}: saved; every worker uses it within seconds.`);
      await Promise.all([loadRegister(), loadAudit()]);
    } catch (err) {
      say(err.message, "error");
    }
  });
  box.append(form);
  return box;
}

/** Pause, retire or give back a roster model, live on every worker, with a reason. */
function controlForm(m) {
  return choiceForm({
    label: `State of ${m.model}`,
    choices: [["paused", "pause"], ["retired", "retire"], ["active", "make active"]],
    value: m.control ? "active" : "paused",
    reason: `Reason for ${m.model}`,
    send: async (state, note) => {
      await api(`/api/admin/models/${encodeURIComponent(m.model)}`, { state, note });
      return `${m.model}: ${state} on every worker within seconds.`;
    },
    done: () => Promise.all([loadRegister(), loadAudit()]),
  });
}

async function loadRegister() {
  const body = await api("/api/admin/register");
  rows("register-table", body.models.map((m) => {
    const tr = el("tr", m.state === "retired" ? "retired" : "");
    const name = m.codename ? `${m.model} (as ${m.codename}${m.unveiled ? ", unveiled" : ""})` : m.model;
    const state = m.control ? `${m.state} by an operator: ${m.control_note || ""}` : m.state.replace("_", " ");
    const control = el("td");
    if (!(m.state === "retired" && !m.control)) { // gone from the roster: nothing to control
      control.append(controlForm(m), settingsForm(m));
    }
    tr.append(cell(name, "mono"), cell(state), cell(when(m.first_battle)),
      cell(when(m.last_battle)), cell(m.battles, "num"), cell(m.votes, "num"),
      cell(m.counted_votes, "num"), control);
    return tr;
  }));
}

const show = (state) => (state ? Object.entries(state).map(([k, v]) => `${k}=${v}`).join(", ") : "–");

async function loadAudit() {
  const body = await api("/api/admin/audit");
  rows("audit-table", body.entries.map((e) => {
    const tr = el("tr");
    tr.append(cell(when(e.at)), cell(e.actor), cell(e.action), cell(e.target.slice(0, 10), "mono"),
      cell(`${show(e.before)} → ${show(e.after)}`), cell(e.note));
    return tr;
  }));
}

signedIn();
