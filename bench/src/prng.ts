/**
 * mulberry32: a tiny, fast 32-bit seeded PRNG (Tommy Ettinger's constants). Good enough for
 * reproducible benchmark inputs; not for cryptography. Returns floats in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` floats drawn uniformly from [low, high) with `next`. */
export function uniformArray(next: () => number, n: number, low = 0, high = 1): Float32Array {
  const out = new Float32Array(n);
  const width = high - low;
  for (let i = 0; i < n; i++) out[i] = low + width * next();
  return out;
}
