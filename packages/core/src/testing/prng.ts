/** mulberry32: a tiny seeded PRNG, so every backend and every run sees the same data. */
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

/** `n` standard normal samples (Box–Muller) scaled by `scale`. */
export function normals(n: number, seed: number, scale = 1): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const theta = 2 * Math.PI * rand();
    out[i] = scale * r * Math.cos(theta);
    if (i + 1 < n) out[i + 1] = scale * r * Math.sin(theta);
  }
  return out;
}
