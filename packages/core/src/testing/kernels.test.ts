import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  countKernels,
  formatKernels,
  kernelDifference,
  kernelsAdded,
  problemStepKernels,
  stepKernels,
} from './kernels';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const made: tf.Tensor[] = [];
afterEach(() => tf.dispose(made.splice(0)));
const keep = <T extends tf.Tensor>(t: T): T => {
  made.push(t);
  return t;
};

describe('countKernels', () => {
  it('counts each op once, by kernel name, and returns the value', () => {
    const a = keep(tf.tensor1d([1, 2, 3]));
    const b = keep(tf.tensor1d([4, 5, 6]));
    const { value, counts } = countKernels(() => tf.tidy(() => tf.add(tf.mul(a, b), tf.mul(a, a))));
    keep(value);
    expect(Array.from(value.dataSync())).toEqual([5, 14, 27]);
    expect(counts.calls).toEqual({ Multiply: 2, Add: 1 });
    expect(counts.total).toBe(3);
    expect(counts.nested).toEqual({});
    expect(counts.totalNested).toBe(0);
  });

  it('counts the Identity clones the engine makes of tensors saved for the gradient tape as nested', () => {
    const x = keep(tf.variable(tf.tensor1d([1, 2]), true, 'kernels-test-x'));
    const { counts } = countKernels(() =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(x, x)) as tf.Scalar, [x]);
        return [value, grads[x.name]];
      }),
    );
    // Forward: Multiply (saves a and b: 2 clones) and Sum (saves x: 1 clone). Backward: Sum's
    // gradient reshapes dy and multiplies it by ones(x.shape); Multiply's casts each input to
    // float32 and multiplies dy by it (2 Cast, 2 Multiply); an Add sums x's two paths.
    expect(counts.calls).toEqual({ Multiply: 4, Identity: 3, Sum: 1, Reshape: 1, Cast: 2, Add: 1 });
    expect(counts.nested).toEqual({ Identity: 3 });
    expect([counts.total, counts.totalNested]).toEqual([12, 3]);
    x.dispose();
  });

  it('names a customGrad op and counts the kernels of its forward function as nested', () => {
    const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([x]);
      return { value: tf.square(x), gradFunc: (dy: tf.Tensor) => tf.mul(dy, 2) };
    });
    const x = keep(tf.tensor1d([3]));
    const { value, counts } = countKernels(() => f(x) as tf.Tensor);
    keep(value);
    expect(counts.calls).toEqual({ '(customGrad)': 1, Square: 1 });
    expect(counts.nested).toEqual({ Square: 1 });
  });

  it('restores the engine when fn throws, and counts nest', () => {
    const engine = tf.engine() as unknown as Record<string, unknown>;
    const before = engine.runKernelFunc;
    expect(() =>
      countKernels(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(engine.runKernelFunc).toBe(before);
    expect(Object.prototype.hasOwnProperty.call(engine, 'runKernelFunc')).toBe(false);
    const a = keep(tf.scalar(2));
    const outer = countKernels(() => {
      const inner = countKernels(() => keep(tf.neg(a)));
      keep(tf.abs(a));
      return inner.counts;
    });
    expect(outer.value.calls).toEqual({ Neg: 1 });
    expect(outer.counts.calls).toEqual({ Neg: 1, Abs: 1 });
  });
});

describe('kernelDifference and formatKernels', () => {
  it('subtract per name, drop equal names, and print the largest first', () => {
    const a = { calls: { Add: 3, Sum: 2, Cast: 1 }, nested: {}, total: 6, totalNested: 0 };
    const b = { calls: { Add: 3, Sum: 1, Identity: 2 }, nested: {}, total: 6, totalNested: 0 };
    expect(kernelDifference(a, b)).toEqual({ Cast: 1, Sum: 1, Identity: -2 });
    expect(formatKernels({ Sum: 1, Add: 3 })).toBe('4 (Add 3, Sum 1)');
  });
});

describe('stepKernels', () => {
  it('counts one step after the warm-up steps, which create the optimizer state', () => {
    const x = tf.variable(tf.tensor1d([1, 2]), true, 'kernels-test-step');
    const loss = () => tf.sum(tf.square(x)) as tf.Scalar;
    // Adam's first step creates its two moments (ZerosLike each): uncounted after one warm-up step.
    const counted = (warmup: number) => {
      const adam = tf.train.adam(0.1);
      const counts = stepKernels(() => adam.minimize(loss, false, [x]), warmup);
      adam.dispose();
      return counts;
    };
    const [first, second] = [counted(0), counted(1)];
    expect(first.calls.ZerosLike).toBe(2);
    expect(second.calls.ZerosLike).toBeUndefined();
    expect(first.total - second.total).toBe(2);
    x.dispose();
  });
});

describe('problemStepKernels and kernelsAdded', () => {
  it('count one SGD step on a fresh kit problem, freed afterwards, and describe a difference', () => {
    const before = Object.keys(tf.engine().registeredVariables).length;
    const sgd = tf.train.sgd(0.1);
    const step = problemStepKernels((p) => () => sgd.minimize(p.loss, false, p.variables));
    const twice = problemStepKernels((p) => () => {
      sgd.minimize(p.loss, false, p.variables);
      sgd.minimize(p.loss, false, p.variables);
    });
    expect(Object.keys(tf.engine().registeredVariables).length).toBe(before);
    expect(twice.total).toBe(2 * step.total);
    expect(kernelsAdded(twice, step)).toMatch(new RegExp(`^${step.total} kernels: `));
  });
});
