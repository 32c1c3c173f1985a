// Solves the arena's proof-of-work: the first decimal nonce such that
// SHA-256(challenge + nonce) starts with `difficulty` zero bits. WebCrypto only
// (crypto.subtle, a secure context), no third-party code.
//
// Batches of hashes run concurrently so the browser's digest promises keep the thread
// busy. Between batches the loop waits for a new *task*, not just a microtask: Chromium
// resolves digest promises without ever returning to the event loop, so a loop that only
// awaits them froze the page (no stream events, no rendering) for the whole solve. The
// page runs this in a worker (pow-worker.js); the yield keeps the page alive when it has
// to run it on its own thread instead.

const encoder = new TextEncoder();

export function leadingZeroBits(bytes) {
  let bits = 0;
  for (const byte of bytes) {
    if (byte === 0) { bits += 8; continue; }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** Resolve on a new task: a channel message, which is not clamped to 4 ms as nested timers
 * are, and does not jump the queue as scheduler.yield() does (that starved timers and
 * stream events just the same). */
export function nextTask() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

function aborted() {
  return new DOMException("proof-of-work aborted", "AbortError");
}

export async function solvePow(challenge, difficulty, { batch = 256, signal } = {}) {
  for (let start = 0; ; start += batch) {
    if (signal && signal.aborted) throw aborted();
    const digests = await Promise.all(Array.from({ length: batch }, (_, k) =>
      crypto.subtle.digest("SHA-256", encoder.encode(challenge + String(start + k)))));
    for (let k = 0; k < batch; k++) {
      if (leadingZeroBits(new Uint8Array(digests[k])) >= difficulty) return String(start + k);
    }
    await nextTask();
  }
}
