// What a vote pays, on the page's side: the battle's proof-of-work and the human check.
//
// The proof-of-work starts the moment a battle response carries one and runs in a worker
// while the answers stream, so by the time the voter has read both it is long done; a
// newer challenge (a follow-up turn, a regenerate) replaces the old one and stops its
// solve. The human check is the vendor's own widget (Turnstile, hCaptcha or reCAPTCHA),
// loaded from the one origin the server's CSP allows; its token is single-use, so the
// widget is reset after every vote the server saw.
//
// Nothing here knows about battles or the page's state machine: arena.js asks `proof()`
// and `token` when it votes. Nothing here runs at import, so node can test it.

import { solvePow } from "./pow.js";

const abortError = () => new DOMException("proof-of-work aborted", "AbortError");

/** Solve in a module worker (pow-worker.js) so the page's thread stays free; on this
 * thread instead if no worker can start. Rejects with an AbortError when ``signal`` fires. */
export function solveInWorker(challenge, difficulty, signal) {
  return new Promise((resolve, reject) => {
    let worker = null;
    const here = () => {
      worker?.terminate();
      solvePow(challenge, difficulty, { signal }).then(resolve, reject);
    };
    if (signal.aborted) {
      reject(abortError());
      return;
    }
    try {
      worker = new Worker(new URL("./pow-worker.js", import.meta.url), { type: "module" });
    } catch {
      here();
      return;
    }
    signal.addEventListener("abort", () => {
      worker.terminate();
      reject(abortError());
    }, { once: true });
    worker.onmessage = (event) => {
      worker.terminate();
      if (typeof event.data?.nonce === "string") resolve(event.data.nonce);
      else here();
    };
    worker.onerror = (event) => {
      event.preventDefault();
      here();
    };
    worker.postMessage({ challenge, difficulty });
  });
}

/** The newest proof-of-work of the battle on screen, and its solve. ``solve(challenge,
 * difficulty, signal)`` resolves to a nonce (injected, so node tests can pass their own). */
export class PowTracker {
  constructor(solve = solveInWorker) {
    this.solve = solve;
    this.job = null;
  }

  /** Start solving ``pow`` ({challenge, difficulty}, or nothing); a stale solve stops. */
  start(pow) {
    // The server may hand out the same challenge again (it is a function of the battle,
    // the difficulty and the second): keep solving it rather than start over.
    if (pow && this.job && this.job.challenge === pow.challenge) return;
    this.clear();
    if (!pow || !pow.challenge) return;
    const controller = new AbortController();
    const job = { challenge: pow.challenge, difficulty: pow.difficulty, controller, nonce: null };
    job.promise = this.solve(pow.challenge, pow.difficulty, controller.signal);
    job.promise.then((nonce) => { job.nonce = nonce; }, () => {}); // a stale solve's abort is expected
    this.job = job;
  }

  /** Forget the challenge (a new round, or one the server refused) and stop its solve. */
  clear() {
    this.job?.controller.abort();
    this.job = null;
  }

  /** Whether the vote must carry a proof-of-work, and whether it is ready. */
  get active() { return this.job !== null; }
  get solved() { return this.job !== null && this.job.nonce !== null; }
  get challenge() { return this.job ? { challenge: this.job.challenge, difficulty: this.job.difficulty } : null; }

  /** The vote's fields for the newest challenge once it is solved ({} when none is asked
   * for). A challenge replaced while this waits is not sent: it waits for the new one. */
  async proof() {
    for (;;) {
      const job = this.job;
      if (!job) return {};
      try {
        const nonce = await job.promise;
        if (job === this.job) return { pow_challenge: job.challenge, pow_nonce: nonce };
      } catch (err) {
        if (job === this.job) throw err;
      }
    }
  }
}

/** The vote's request body: the winner and whatever it pays. */
export function voteBody(winner, powFields = {}, captchaToken = null) {
  const body = { winner, ...powFields };
  if (captchaToken) body.captcha_token = captchaToken;
  return body;
}

/** What the page says when the server refused a vote's payment (403 pow_failed or
 * captcha_failed), in plain words, with the way on; "" for any other refusal. The server's
 * own message (meant for a developer as much as a voter) only picks the words. */
export function refusalText(code, message = "") {
  const m = String(message).toLowerCase();
  if (code === "pow_failed") {
    const why = m.includes("expired") ? "it expired"
      : m.includes("already used") ? "it was already used"
        : m.includes("needs") ? "it was not finished" : "it did not check out";
    return `Your vote was not recorded: this browser's check for the battle failed (${why}). `
      + "Regenerate (R) or ask a follow-up to get a fresh one, then vote again.";
  }
  if (code === "captcha_failed") {
    const why = m.includes("could not be verified") ? " (it could not be verified just now)" : "";
    return `Your vote was not recorded: the human check did not pass${why}. `
      + "Complete it again, then vote.";
  }
  return "";
}

// --- the human check -------------------------------------------------------------------------

/** The vendors' globals, in the order they are looked for; all three render(element,
 * {sitekey, callback, "expired-callback", "error-callback"}) and reset(widgetId). */
export const WIDGET_GLOBALS = ["turnstile", "hcaptcha", "grecaptcha"];

/** The first vendor API on ``win`` that can render a widget, or null. */
export function widgetApi(win) {
  for (const name of WIDGET_GLOBALS) {
    const api = win[name];
    if (api && typeof api.render === "function") return api;
  }
  return null;
}

/** The vendor's API once it is usable: reCAPTCHA's loader defines render() only after
 * grecaptcha.ready(); Turnstile's ready() must not be called on a script added later. */
async function usableApi(win) {
  const api = widgetApi(win);
  if (api) return api;
  const ready = win.grecaptcha && win.grecaptcha.ready;
  if (typeof ready === "function") {
    await new Promise((resolve) => ready.call(win.grecaptcha, resolve));
    return widgetApi(win);
  }
  return null;
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.async = true;
    script.referrerPolicy = "no-referrer";
    script.addEventListener("load", resolve, { once: true });
    script.addEventListener("error", () => reject(new Error(`${src} did not load`)), { once: true });
    document.head.append(script);
  });
}

export const HUMAN_HINT = {
  loading: "Loading the human check…",
  missing: "Before you vote, show you are a person: complete the human check.",
  done: "Human check done: you can vote.",
  broken: "The human check could not be loaded, so votes cannot be recorded right now. "
    + "Reload the page to try again; if it keeps failing, a blocker may be stopping it.",
};

/** The vendor's widget in ``box``; ``onChange()`` after every change of ``token`` or of
 * ``state`` (loading | ready | broken). */
export class HumanCheck {
  constructor({ site_key: siteKey, script_url: scriptUrl }, box, onChange = () => {}) {
    this.siteKey = siteKey;
    this.scriptUrl = scriptUrl;
    this.box = box;
    this.onChange = onChange;
    this.state = "loading";
    this.token = null;
    this.api = null;
    this.widget = undefined;
  }

  async mount() {
    try {
      await loadScript(this.scriptUrl);
      const api = await usableApi(window);
      if (!api) throw new Error(`${this.scriptUrl} defines none of ${WIDGET_GLOBALS.join(", ")}`);
      this.widget = api.render(this.box, {
        sitekey: this.siteKey,
        callback: (token) => this.#set(token),
        "expired-callback": () => this.#set(null),
        "error-callback": () => this.#set(null),
      });
      this.api = api;
      this.state = "ready";
    } catch (err) {
      console.warn("the human check did not load:", err);
      this.state = "broken";
    }
    this.onChange();
  }

  get hint() {
    if (this.state !== "ready") return HUMAN_HINT[this.state];
    return this.token ? HUMAN_HINT.done : HUMAN_HINT.missing;
  }

  /** Tokens are single-use: after a vote the server saw, ask for a fresh one. */
  reset() {
    this.token = null;
    if (this.api) {
      try {
        this.api.reset(this.widget);
      } catch (err) {
        console.warn("the human check could not be reset:", err);
      }
    }
    this.onChange();
  }

  #set(token) {
    this.token = typeof token === "string" && token ? token : null;
    this.onChange();
  }
}
