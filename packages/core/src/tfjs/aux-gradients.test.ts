import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { variableGradsWithAux } from './aux-gradients';

describe('variableGradsWithAux', () => {
  it('returns the value, the gradients and live aux tensors of f, and leaks nothing', () => {
    const w = tf.variable(tf.tensor1d([0.5, -1, 2]));
    const before = tf.memory().numTensors;
    const { value, grads, aux } = variableGradsWithAux(() => {
      const raw = tf.sum(tf.square(w)) as tf.Scalar; // 5.25
      const perEntry = tf.mul(w, 3);
      return { value: tf.mul(raw, 2) as tf.Scalar, aux: { raw, perEntry } };
    }, [w]);
    expect(value.dataSync()[0]).toBe(10.5);
    expect(Array.from(grads[w.name].dataSync())).toEqual([2, -4, 8]); // d(2·Σw²)/dw = 4w
    expect(aux.raw.dataSync()[0]).toBe(5.25);
    expect(Array.from(aux.perEntry.dataSync())).toEqual([1.5, -3, 6]);
    expect(aux.raw.kept).toBe(false);
    tf.dispose([value, grads[w.name], aux.raw, aux.perEntry]);
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });

  it('leaks nothing when f throws, where tf.variableGrads itself leaks the tape’s saved tensors', () => {
    const w = tf.variable(tf.scalar(1));
    const leakOf = (run: () => unknown) => {
      const before = tf.memory().numTensors;
      expect(run).toThrow('boom');
      return tf.memory().numTensors - before;
    };
    const f = () => {
      tf.mul(w, 2);
      throw new Error('boom');
    };
    expect(leakOf(() => variableGradsWithAux(f as never, [w]))).toBe(0);
    const plain = leakOf(() => tf.variableGrads(f as () => tf.Scalar, [w]));
    expect(plain).toBeGreaterThan(0); // tfjs' own behaviour, which the release above repairs
    // tfjs left its tape behind; drop it so later tests start clean.
    (tf.engine() as unknown as { state: { activeTape: unknown } }).state.activeTape = null;
    w.dispose();
  });

  it('frees the backward pass’s saved tensors when f throws after computing through the tape', () => {
    const w = tf.variable(tf.randomNormal([4, 3], 0, 1, 'float32', 1));
    const before = tf.memory().numTensors;
    const f = () => {
      tf.sum(tf.tanh(tf.matMul(tf.ones([2, 4]), w))); // Tanh and MatMul save tensors for backprop
      throw new Error('boom');
    };
    expect(() => variableGradsWithAux(f as never, [w])).toThrow('boom');
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });
});
