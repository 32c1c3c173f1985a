// What a vote pays, under node: the proof-of-work solver (against the server's rule,
// sha256(challenge + nonce) with `difficulty` leading zero bits), the tracker that keeps
// the newest challenge and stops a stale solve, the vote body, the refusal texts and the
// pick of the vendor's widget API. The browser tests run the same code in Chromium.
// Run from the repository root: node --test tests/web/

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";

import { leadingZeroBits, nextTask, solvePow } from "../../arena/web/pow.js";
import { PowTracker, refusalText, voteBody, widgetApi } from "../../arena/web/proof.js";

const zeroBits = (text) => leadingZeroBits(createHash("sha256").update(text).digest());

test("leading zero bits of known bytes", () => {
  assert.equal(leadingZeroBits(new Uint8Array([0x80])), 0);
  assert.equal(leadingZeroBits(new Uint8Array([0x01])), 7);
  assert.equal(leadingZeroBits(new Uint8Array([0, 0x0f])), 12);
  assert.equal(leadingZeroBits(new Uint8Array([0, 0])), 16);
});

test("solvePow finds the first nonce meeting the difficulty", async () => {
  const challenge = "b1.10.1800000000.tag";
  const nonce = await solvePow(challenge, 10, { batch: 64 });
  assert.match(nonce, /^\d+$/);
  assert.ok(zeroBits(challenge + nonce) >= 10);
  for (let n = 0; n < Number(nonce); n++) assert.ok(zeroBits(challenge + n) < 10, `nonce ${n}`);
});

test("solvePow stops when aborted", async () => {
  const controller = new AbortController();
  const solving = solvePow("never.40.0.tag", 40, { batch: 16, signal: controller.signal });
  await nextTask();
  controller.abort();
  await assert.rejects(solving, { name: "AbortError" });
});

/** A solver the test settles by hand: solve(challenge) → pending[challenge].resolve(n). */
function manualSolver() {
  const pending = {};
  const aborted = [];
  const solve = (challenge, _difficulty, signal) => new Promise((resolve, reject) => {
    pending[challenge] = { resolve, reject };
    signal.addEventListener("abort", () => {
      aborted.push(challenge);
      reject(new DOMException("aborted", "AbortError"));
    });
  });
  return { pending, aborted, solve };
}

test("the tracker sends the newest challenge and stops the stale solve", async () => {
  const s = manualSolver();
  const pow = new PowTracker(s.solve);
  assert.deepEqual(await pow.proof(), {}); // nothing asked: nothing sent
  pow.start({ challenge: "c1", difficulty: 12 });
  assert.ok(pow.active && !pow.solved);
  const waiting = pow.proof(); // a vote clicked before the solve is done
  pow.start({ challenge: "c2", difficulty: 12 }); // a follow-up turn's new challenge
  assert.deepEqual(s.aborted, ["c1"]);
  s.pending.c2.resolve("77");
  assert.deepEqual(await waiting, { pow_challenge: "c2", pow_nonce: "77" });
  assert.ok(pow.solved);
  assert.deepEqual(pow.challenge, { challenge: "c2", difficulty: 12 });
});

test("the same challenge again keeps its solve", () => {
  const s = manualSolver();
  const pow = new PowTracker(s.solve);
  pow.start({ challenge: "c1", difficulty: 12 });
  pow.start({ challenge: "c1", difficulty: 12 });
  assert.deepEqual(s.aborted, []);
});

test("a failed solve of the newest challenge is the vote's error; clear forgets", async () => {
  const s = manualSolver();
  const pow = new PowTracker(s.solve);
  pow.start({ challenge: "c1", difficulty: 12 });
  s.pending.c1.reject(new Error("no WebCrypto"));
  await assert.rejects(pow.proof(), /no WebCrypto/);
  pow.clear();
  assert.equal(pow.active, false);
  assert.deepEqual(await pow.proof(), {});
});

test("the tracker with the real solver", async () => {
  const pow = new PowTracker((c, d, signal) => solvePow(c, d, { signal }));
  pow.start({ challenge: "battle.8.1800000000.tag", difficulty: 8 });
  const { pow_challenge: challenge, pow_nonce: nonce } = await pow.proof();
  assert.equal(challenge, "battle.8.1800000000.tag");
  assert.ok(zeroBits(challenge + nonce) >= 8);
});

test("the vote body carries only what is paid", () => {
  assert.deepEqual(voteBody("a"), { winner: "a" });
  assert.deepEqual(voteBody("tie", { pow_challenge: "c", pow_nonce: "1" }, "tok"),
    { winner: "tie", pow_challenge: "c", pow_nonce: "1", captcha_token: "tok" });
  assert.deepEqual(voteBody("b", {}, null), { winner: "b" });
});

test("refusals of the payment are said in plain words, others are left to the server", () => {
  const expired = refusalText("pow_failed", "the proof-of-work has expired; start a new battle");
  assert.equal(expired, "Your vote was not recorded: this browser's check for the battle "
    + "failed (it expired). Regenerate (R) or ask a follow-up to get a fresh one, then vote again.");
  assert.match(refusalText("pow_failed", "this proof-of-work was already used"), /already used/);
  assert.match(refusalText("pow_failed", "not this battle's"), /did not check out/);
  assert.doesNotMatch(refusalText("pow_failed", "x"), /proof-of-work/);
  assert.match(refusalText("captcha_failed", "the human check did not pass; solve it again"),
    /^Your vote was not recorded: the human check did not pass\. Complete it again/);
  assert.match(refusalText("captcha_failed", "could not be verified right now"), /just now/);
  assert.equal(refusalText("already_voted", "voted"), "");
});

test("the widget API is whichever vendor's global can render", () => {
  const render = () => 0;
  assert.equal(widgetApi({}), null);
  assert.equal(widgetApi({ grecaptcha: { ready() {} } }), null); // reCAPTCHA before ready()
  const hcaptcha = { render };
  assert.equal(widgetApi({ hcaptcha }), hcaptcha);
  const turnstile = { render };
  assert.equal(widgetApi({ turnstile, hcaptcha }), turnstile);
  const grecaptcha = { render, ready() {} };
  assert.equal(widgetApi({ grecaptcha }), grecaptcha);
});
