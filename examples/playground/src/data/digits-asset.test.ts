import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, createServer, type Rolldown } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digitsAsset, encodeDigits } from '../../digits-asset';
import { loadDigits } from './digits';

const mnist = createRequire(import.meta.url)('mnist') as { length: number; get(i: number): number[] }[];

describe('encodeDigits', () => {
  const bytes = encodeDigits();
  const header = new DataView(bytes.buffer);

  it('packs 50 train and 20 test digits per class into 549,516 bytes by default', () => {
    expect(bytes.byteLength).toBe(16 + 700 * 785);
    expect(bytes.byteLength).toBe(549_516);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('FDIG');
    expect([1, 2, 3].map((field) => header.getUint32(4 * field, true))).toEqual([1, 500, 200]);
  });

  it('takes the first samples of each class for train and the last for test, as rounded grey levels', () => {
    const trainLabels = bytes.subarray(16 + 500 * 784, 16 + 500 * 785);
    const testStart = 16 + 500 * 785;
    const testLabels = bytes.subarray(testStart + 200 * 784);
    for (let digit = 0; digit < 10; digit++) {
      expect(trainLabels.subarray(50 * digit, 50 * (digit + 1))).toEqual(new Uint8Array(50).fill(digit));
      expect(testLabels.subarray(20 * digit, 20 * (digit + 1))).toEqual(new Uint8Array(20).fill(digit));
      const firstTrain = bytes.subarray(16 + 784 * 50 * digit, 16 + 784 * (50 * digit + 1));
      expect(Array.from(firstTrain)).toEqual(mnist[digit].get(0).map((p) => Math.round(p * 255)));
      const lastTest = testStart + 784 * (20 * digit + 19);
      expect(Array.from(bytes.subarray(lastTest, lastTest + 784))).toEqual(
        mnist[digit].get(mnist[digit].length - 1).map((p) => Math.round(p * 255)),
      );
    }
  });

  it('refuses sizes that are not positive integers or overlap the two splits', () => {
    expect(() => encodeDigits({ trainPerDigit: 0 })).toThrow(
      new RangeError('encodeDigits: trainPerDigit must be an integer ≥ 1; got 0'),
    );
    expect(() => encodeDigits({ testPerDigit: 2.5 })).toThrow(/testPerDigit must be an integer ≥ 1; got 2.5/);
    expect(() => encodeDigits({ trainPerDigit: 800, testPerDigit: 100 })).toThrow(
      new RangeError(
        'encodeDigits: trainPerDigit + testPerDigit must be ≤ 863 (the smallest digit class); got 900',
      ),
    );
    expect(() => digitsAsset({ trainPerDigit: -1 })).toThrow(
      new RangeError('digitsAsset: trainPerDigit must be an integer ≥ 1; got -1'),
    );
  });
});

describe('digitsAsset', () => {
  const options = { trainPerDigit: 2, testPerDigit: 1 };
  const expected = encodeDigits(options);
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'digits-asset-'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>digits</title>');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('emits digits.bin, unhashed, in the build', async () => {
    const result = (await build({
      root,
      configFile: false,
      logLevel: 'silent',
      base: './',
      plugins: [digitsAsset(options)],
      build: { write: false },
    })) as Rolldown.RolldownOutput;
    const asset = result.output.find((file) => file.fileName === 'digits.bin');
    expect(asset?.type).toBe('asset');
    expect(asset?.type === 'asset' && new Uint8Array(asset.source as Uint8Array)).toEqual(expected);
  });

  it('serves digits.bin under any path in the dev server, and loadDigits reads it', async () => {
    const server = await createServer({
      root,
      configFile: false,
      logLevel: 'silent',
      base: './',
      plugins: [digitsAsset(options)],
      server: { port: 0, host: '127.0.0.1', ws: false },
    });
    await server.listen();
    try {
      const { port } = server.httpServer!.address() as AddressInfo;
      const origin = `http://127.0.0.1:${port}`;
      for (const path of ['/digits.bin', '/some/sub/path/digits.bin?v=2']) {
        const response = await fetch(origin + path);
        expect(response.headers.get('content-type')).toBe('application/octet-stream');
        expect(new Uint8Array(await response.arrayBuffer())).toEqual(expected);
      }
      const { train, test } = await loadDigits(`${origin}/digits.bin`);
      expect([train.n, test.n]).toEqual([20, 10]);
      expect((await fetch(`${origin}/digits.binx`)).headers.get('content-type')).not.toBe(
        'application/octet-stream',
      );
    } finally {
      await server.close();
    }
  });
});
