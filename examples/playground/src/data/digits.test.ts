import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeDigits } from '../../digits-asset';
import { decodeDigits, loadDigits } from './digits';

const mnist = createRequire(import.meta.url)('mnist') as { length: number; get(i: number): number[] }[];

/** A copy of the encoded file as a standalone ArrayBuffer, as fetch would return it. */
const encoded = (options?: Parameters<typeof encodeDigits>[0]): ArrayBuffer =>
  encodeDigits(options).slice().buffer;

describe('decodeDigits', () => {
  it('gives back the mnist package values to within half a grey level, with their labels', () => {
    const { train, test } = decodeDigits(encoded({ trainPerDigit: 3, testPerDigit: 2 }));
    expect([train.n, test.n]).toEqual([30, 20]);
    expect([train.x.length, test.x.length]).toEqual([30 * 784, 20 * 784]);
    for (let digit = 0; digit < 10; digit++) {
      const source = mnist[digit];
      // Ordered by label: train row 3·digit + i is sample i; test row 2·digit + i is sample length-2+i.
      const rows = [
        ...[0, 1, 2].map((i) => ({ split: train, row: 3 * digit + i, sample: i })),
        ...[0, 1].map((i) => ({ split: test, row: 2 * digit + i, sample: source.length - 2 + i })),
      ];
      for (const { split, row, sample } of rows) {
        expect(split.y[row]).toBe(digit);
        const expected = source.get(sample);
        const actual = split.x.subarray(784 * row, 784 * (row + 1));
        const worst = Math.max(...expected.map((p, j) => Math.abs(actual[j] - p)));
        expect(worst).toBeLessThanOrEqual(0.5 / 255 + 1e-7);
      }
    }
  });

  it('decodes the default asset: 50 train and 20 test digits of each class', () => {
    const { train, test } = decodeDigits(encoded());
    for (let digit = 0; digit < 10; digit++) {
      expect(train.y.filter((label) => label === digit).length).toBe(50);
      expect(test.y.filter((label) => label === digit).length).toBe(20);
    }
    // 392,000 pixels: too many to spread into Math.min.
    expect(train.x.reduce((a, b) => Math.min(a, b))).toBe(0);
    expect(train.x.reduce((a, b) => Math.max(a, b))).toBe(1);
  });

  it('says what is wrong with a corrupted file', () => {
    const good = new Uint8Array(encoded({ trainPerDigit: 1, testPerDigit: 1 }));
    const corrupt = (edit: (bytes: Uint8Array, view: DataView) => void) => {
      const bytes = good.slice();
      edit(bytes, new DataView(bytes.buffer));
      return () => decodeDigits(bytes.buffer);
    };
    expect(corrupt((b) => b.set([0x3c, 0x21, 0x64, 0x6f]))).toThrow(
      'digits.bin: bad magic "<!do", expected "FDIG": not a digits file',
    );
    expect(corrupt((_, v) => v.setUint32(4, 2, true))).toThrow(
      'digits.bin: version 2 is not supported (this reader reads version 1)',
    );
    expect(corrupt((_, v) => v.setUint32(8, 11, true))).toThrow(
      'digits.bin: 15716 bytes, expected 16501 for 11 train and 10 test digits',
    );
    expect(corrupt((b) => (b[16 + 10 * 784 + 3] = 10))).toThrow(
      'digits.bin: label 10 at index 3 is not a digit 0..9',
    );
    expect(() => decodeDigits(good.slice(0, 10).buffer)).toThrow(
      'digits.bin: 10 bytes is shorter than the 16-byte header',
    );
  });
});

describe('loadDigits', () => {
  afterEach(() => vi.unstubAllGlobals());

  const serve = (response: Response) => {
    const fetch = vi.fn(async () => response);
    vi.stubGlobal('fetch', fetch);
    return fetch;
  };

  it('fetches digits.bin next to the page by default and decodes it', async () => {
    const fetch = serve(new Response(encoded({ trainPerDigit: 2, testPerDigit: 1 })));
    const { train, test } = await loadDigits();
    expect(fetch).toHaveBeenCalledWith('digits.bin');
    expect([train.n, test.n]).toEqual([20, 10]);
  });

  it('names the URL and the HTTP status when the fetch fails', async () => {
    serve(new Response('not here', { status: 404, statusText: 'Not Found' }));
    await expect(loadDigits('assets/digits.bin')).rejects.toThrow(
      'loadDigits: GET assets/digits.bin failed with HTTP 404 Not Found',
    );
  });

  it('names the URL when the body is not a digits file', async () => {
    serve(new Response('<!doctype html><html></html>', { status: 200 }));
    await expect(loadDigits('https://example.org/d.bin')).rejects.toThrow(
      'https://example.org/d.bin: bad magic "<!do", expected "FDIG": not a digits file',
    );
  });
});
