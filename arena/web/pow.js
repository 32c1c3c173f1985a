// Solves the arena's proof-of-work in the page: the first decimal nonce such that
// SHA-256(challenge + nonce) starts with `difficulty` zero bits. WebCrypto only
// (crypto.subtle, a secure context), no third-party code. Batches of hashes run
// concurrently so the browser's digest promises keep the thread busy, and the loop
// yields between batches so the page stays responsive.

const encoder = new TextEncoder();

export function leadingZeroBits(bytes) {
  let bits = 0;
  for (const byte of bytes) {
    if (byte === 0) { bits += 8; continue; }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

export async function solvePow(challenge, difficulty, { batch = 256, signal } = {}) {
  for (let start = 0; ; start += batch) {
    if (signal && signal.aborted) throw new Error("proof-of-work aborted");
    const digests = await Promise.all(Array.from({ length: batch }, (_, k) =>
      crypto.subtle.digest("SHA-256", encoder.encode(challenge + String(start + k)))));
    for (let k = 0; k < batch; k++) {
      if (leadingZeroBits(new Uint8Array(digests[k])) >= difficulty) return String(start + k);
    }
  }
}
