import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLE_HEADER, tableHeader } from '../report';
import { bitwiseEqual, coreOverhead } from './core-overhead';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('bitwiseEqual', () => {
  it('compares bits, so -0 differs from 0 and equal NaNs match', () => {
    const f = (...xs: number[]) => Float32Array.from(xs);
    expect(bitwiseEqual([f(1, 2), f(3)], [f(1, 2), f(3)])).toBe(true);
    expect(bitwiseEqual([f(0)], [f(-0)])).toBe(false);
    expect(bitwiseEqual([f(Number.NaN)], [f(Number.NaN)])).toBe(true);
    expect(bitwiseEqual([f(1)], [f(1), f(2)])).toBe(false);
    expect(bitwiseEqual([f(1, 2)], [f(1)])).toBe(false);
  });
});

describe('coreOverhead', () => {
  it('runs bare Adam against three plugged variants, checks the final weights and judges each by 1.02', async () => {
    const bench = coreOverhead({ layers: [12, 8, 4], batchSize: 6 });
    expect(bench.name).toBe('core-overhead');
    expect(bench.description).toContain("Target: every plugged variant's median ratio <= 1.02.");
    const before = tf.memory().numTensors;
    const { result, notes } = await bench.run('cpu', { warmup: 1, samples: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.baseline).toBe('bare');
    expect(result.variants.map((v) => [v.name, v.samplesMs.length, v.limit])).toEqual([
      ['bare', 2, undefined],
      ['plugged', 2, 1.02],
      ['plugged, device check', 2, 1.02],
      ['plugged, no check', 2, 1.02],
    ]);
    expect(result.variants.every((v) => v.memory?.tensorDelta === 0)).toBe(true);
    expect(notes).toEqual(
      ['plugged', 'plugged, device check', 'plugged, no check'].map(
        (name) => `cpu: final weights of \`${name}\` are bitwise identical to \`bare\` after 3 steps each.`,
      ),
    );
    const [...head] = TABLE_HEADER;
    const peak = head.pop();
    expect(tableHeader([{ backend: 'cpu', result }])).toEqual([...head, 'limit', 'within limit', peak]);
    expect(bench.conclude).toBeUndefined();
  });
});
