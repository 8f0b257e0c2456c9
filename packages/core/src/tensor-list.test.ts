import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  add,
  combine,
  cosine,
  dot,
  globalNorm,
  map,
  mul,
  radiusScale,
  scale,
  scaledAdd,
  squaredNorm,
  sub,
  zerosLike,
  type TensorList,
} from './tensor-list';
import { countKernels } from './testing/kernels';

/** Reads a scalar and disposes it. */
const num = (s: tf.Scalar): number => {
  const v = s.dataSync()[0];
  s.dispose();
  return v;
};
/** The inputs of the current test, disposed after it. */
const inputs: tf.Tensor[] = [];
/** Reads a list (null stays null) and disposes the tensors in it that are not inputs. */
const read = (list: Array<tf.Tensor | null>): Array<number[] | null> => {
  const out = list.map((t) => (t ? Array.from(t.dataSync()) : null));
  tf.dispose(list.filter((t): t is tf.Tensor => t !== null && !inputs.includes(t)));
  return out;
};
/** tf.tidy over a function returning tensor lists (tidy passes the nulls through). */
const tidy = <T extends Array<tf.Tensor | null> | Array<Array<tf.Tensor | null>>>(fn: () => T): T =>
  tf.tidy(fn as () => tf.TensorContainer) as T;
/** numTensors grows by `created` over `fn` (run outside any tidy). */
const expectTensors = (created: number, fn: () => void) => {
  const before = tf.memory().numTensors;
  fn();
  expect(tf.memory().numTensors - before).toBe(created);
};

describe.each(['cpu', 'wasm'])('tensor-list on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
    expect(tf.getBackend()).toBe(backend);
  });

  const t = (values: number[] | number[][]) => {
    const x = tf.tensor(values);
    inputs.push(x);
    return x;
  };
  afterEach(() => tf.dispose(inputs.splice(0)));

  it('dot sums ⟨aᵢ, bᵢ⟩ over the list; null entries count as zero', () => {
    const m = t([
      [1, 2],
      [3, 4],
    ]);
    expect(num(dot([m], [m]))).toBe(30);
    const a = [m, t([5]), t([100, 100])];
    const b = [
      t([
        [5, 6],
        [7, 8],
      ]),
      t([2]),
      null,
    ];
    expect(num(dot(a, b))).toBe(5 + 12 + 21 + 32 + 10);
    expect(num(dot([null, m], [m, null]))).toBe(0);
    expect(num(dot([], []))).toBe(0);
  });

  it('squaredNorm and globalNorm run over every tensor of the list, skipping nulls', () => {
    const a = [t([3, 4]), null, t([[12]])];
    expect(num(squaredNorm(a))).toBe(169);
    expect(num(globalNorm(a))).toBe(13);
    const b = [t([1, 2]), t([[2], [4]])];
    expect(num(globalNorm(b))).toBeCloseTo(5, 6);
    expect(num(squaredNorm([null, null]))).toBe(0);
    expect(num(globalNorm([]))).toBe(0);
  });

  it('dot, squaredNorm, globalNorm and cosine leave no tensor behind', () => {
    const a = [t([1, -2, 3]), null, t([[0.5, 4]])];
    const b = [t([2, 2, 2]), t([7]), t([[1, 1]])];
    for (const op of [() => dot(a, b), () => squaredNorm(a), () => globalNorm(b), () => cosine(a, b)]) {
      expectTensors(0, () => op().dispose());
    }
    expectTensors(0, () =>
      expect(() => cosine(a, [null])).toThrow('tensor lists are not aligned: lengths 3 and 1'),
    );
  });

  it('combine(wa, a, wb, b) is wa·a + wb·b elementwise, with a number or a scalar weight', () => {
    const a = [t([1, 2]), t([[3]]), null, null];
    const b = [t([10, 20]), null, t([4]), null];
    expect(read(combine(2, a, -1, b))).toEqual([[-8, -16], [6], [-4], null]);
    const w = tf.scalar(0.5);
    expect(read(tidy(() => combine(w, a, 3, b)))).toEqual([[30.5, 61], [1.5], [12], null]);
    w.dispose();
  });

  it('combine takes numeric weights 0 and 1 literally: 1 passes the tensor, 0 drops the term', () => {
    const a = [t([Infinity, -0]), t([1])];
    const b = [t([-0, 5]), null];
    const out = combine(0, a, 1, b);
    expect(out[0]).toBe(b[0]); // the very tensor: bit-exact, and no Inf·0 = NaN
    expect(out[1]).toBeNull(); // both terms vanish: no gradient
    expect(Object.is(read(out)[0]![0], -0)).toBe(true);
    expect(scale(a, 1)).toEqual(a);
  });

  it('scale, map, add, sub and scaledAdd compute elementwise and keep nulls', () => {
    const a = [t([1, -2]), null, t([3])];
    const b = [t([4, 5]), null, null];
    expect(read(scale(a, -2))).toEqual([[-2, 4], null, [-6]]);
    expect(read(map(a, (x, i) => tf.add(x, i)))).toEqual([[1, -2], null, [5]]);
    const results = tidy(() => [add(a, b), sub(a, b), scaledAdd(a, b, 0.5)]);
    expect(results.map(read)).toEqual([
      [[5, 3], null, [3]],
      [[-3, -7], null, [3]],
      [[3, 0.5], null, [3]],
    ]);
  });

  it('scaledAdd(a, b, 1) passes tensors through where the other side is null', () => {
    const x = t([1, 2]);
    const y = t([3]);
    const out = scaledAdd([x, null], [null, y], 1);
    expect(out[0]).toBe(x);
    expect(out[1]).toBe(y);
    expectTensors(0, () => scaledAdd([x, null], [null, null], 1));
  });

  it('mul is elementwise and null where either side is null', () => {
    const a = [t([1, 2, 3]), t([4]), null];
    const b = [t([2, 0.5, -1]), null, t([5])];
    expect(read(mul(a, b))).toEqual([[2, 1, -3], null, null]);
    expectTensors(0, () => mul([a[1], null], [null, b[2]]));
  });

  it('cosine is 1 for parallel lists, -1 for opposite, 0 for orthogonal and 0 with a zero list', () => {
    const a = [t([3]), null, t([4])];
    expect(num(cosine(a, [t([6]), null, t([8])]))).toBe(1);
    // null counts as zero: a has nothing where b has 9, so cos = 50 / (5·√181).
    expect(num(cosine(a, [t([6]), t([9]), t([8])]))).toBeCloseTo(10 / Math.sqrt(181), 6);
    expect(num(cosine(a, [t([-0.3]), null, t([-0.4])]))).toBeCloseTo(-1, 6);
    expect(num(cosine([t([1, 0])], [t([0, 1])]))).toBe(0);
    expect(num(cosine(a, [t([0]), null, t([0])]))).toBe(0);
    expect(num(cosine([null, null], a.slice(0, 2)))).toBe(0);
    expect(num(cosine([t([1, 1])], [t([1, 0])]))).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('refuses lists of different lengths', () => {
    const x = t([1]);
    const ops: Array<(a: TensorList, b: TensorList) => unknown> = [
      dot,
      (a, b) => combine(1, a, 2, b),
      scaledAdd,
      mul,
    ];
    for (const op of ops)
      expect(() => op([x], [x, x])).toThrow('tensor lists are not aligned: lengths 1 and 2');
  });

  it('radiusScale is r/‖a‖ bit for bit for a normal ‖a‖², finite at 0 (a zero list stays 0), in 3 kernels', () => {
    const f32 = (x: number) => Math.fround(x);
    for (const normSq of [4, 0.3, 1e-30, 2 ** -126, 7e5]) {
      const q = f32(normSq);
      const expected = f32(f32(0.05) / f32(Math.sqrt(q)));
      const { value, counts } = countKernels(() => radiusScale(tf.scalar(q), 0.05));
      expect(num(value)).toBe(expected);
      expect(counts.calls).toEqual({ Maximum: 1, Sqrt: 1, RealDiv: 1 });
    }
    const atZero = radiusScale(tf.scalar(0), 0.05);
    expect(num(tf.clone(atZero))).toBe(f32(0.05) * 2 ** 63);
    expect(read([tf.mul(t([0, -0, 0]), atZero)])).toEqual([[0, -0, 0]]);
    atZero.dispose();
    expect(num(radiusScale(tf.scalar(NaN), 0.05))).toBeNaN();
    expect(num(radiusScale(tf.scalar(Infinity), tf.scalar(0.05)))).toBe(0);
  });

  it('zerosLike gives zeros of the same shapes', () => {
    const out = zerosLike([t([[1, 2, 3]]), t([4])]);
    expect(out.map((z) => z.shape)).toEqual([[1, 3], [1]]);
    expect(read(out)).toEqual([[0, 0, 0], [0]]);
  });
});
