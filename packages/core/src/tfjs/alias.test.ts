import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { alias } from './alias';
import { countKernels } from '../testing/kernels';

describe.each(['cpu', 'wasm'])('alias on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('keeps the value a variable had across assign, launches no kernel, and frees what it holds', () => {
    const init = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const v = tf.variable(init);
    init.dispose();
    const before = tf.memory();
    const { value: saved, counts } = countKernels(() => alias(v));
    expect(counts.total).toBe(0);
    expect(saved.shape).toEqual([2, 2]);
    expect(tf.memory().numTensors).toBe(before.numTensors + 1);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    tf.tidy(() => v.assign(tf.mul(v, 10)));
    expect(Array.from(v.dataSync())).toEqual([10, 20, 30, 40]);
    expect(Array.from(saved.dataSync())).toEqual([1, 2, 3, 4]);
    v.assign(saved);
    saved.dispose();
    expect(Array.from(v.dataSync())).toEqual([1, 2, 3, 4]);
    v.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors - 1);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers - 1);
  });

  it('joins the tidy scope it is made in', () => {
    const x = tf.tensor1d([5, 6]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      alias(x);
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(x.dataSync())).toEqual([5, 6]);
    x.dispose();
  });
});
