/** Bitwise comparison of tensor values, as numbers Node can assert on. Runs in the browser. */

export interface BitDiff {
  /** Entries whose bits differ (so -0 vs 0 and NaN payloads count). */
  differing: number;
  total: number;
  /** Names of the tensors with a differing entry. */
  where: string[];
}

export function bitDiff(
  a: readonly Float32Array[],
  b: readonly Float32Array[],
  names: readonly string[] = [],
): BitDiff {
  if (a.length !== b.length) throw new Error(`comparing ${a.length} tensors with ${b.length}`);
  const out: BitDiff = { differing: 0, total: 0, where: [] };
  a.forEach((x, i) => {
    const y = b[i];
    if (x.length !== y.length) throw new Error(`tensor ${names[i] ?? i}: ${x.length} values vs ${y.length}`);
    const xb = new Uint32Array(x.buffer, x.byteOffset, x.length);
    const yb = new Uint32Array(y.buffer, y.byteOffset, y.length);
    let n = 0;
    for (let j = 0; j < xb.length; j++) if (xb[j] !== yb[j]) n++;
    out.differing += n;
    out.total += x.length;
    if (n > 0) out.where.push(names[i] ?? `#${i}`);
  });
  return out;
}

/**
 * Copies of the tensors' values, read asynchronously: a blocking read on WebGPU in headless
 * Chromium returns zeros and loses the device, so the harness never makes one.
 */
export async function readValues(
  tensors: ReadonlyArray<{ data(): Promise<ArrayLike<number>> }>,
): Promise<Float32Array[]> {
  return Promise.all(tensors.map(async (t) => Float32Array.from(await t.data())));
}
