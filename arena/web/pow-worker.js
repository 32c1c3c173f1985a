// The proof-of-work off the page's thread: one message {challenge, difficulty} in, one
// {nonce} (or {error}) out. A module worker from our own origin, so the page's CSP
// (worker-src falls back to script-src 'self') allows it; the page stops a stale solve by
// terminating the worker.

import { solvePow } from "./pow.js";

self.onmessage = async (event) => {
  const { challenge, difficulty } = event.data;
  try {
    self.postMessage({ nonce: await solvePow(challenge, difficulty) });
  } catch (err) {
    self.postMessage({ error: String((err && err.message) || err) });
  }
};
