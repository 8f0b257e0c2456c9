import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '@flatopt/core';
import { filterNormalizedDirection } from './filter-direction';
import { lossSlice1d, lossSlice2d } from './loss-slice';

const made: tf.Tensor[] = [];
const keep = <T extends tf.Tensor>(t: T): T => {
  made.push(t);
  return t;
};
const bits = (vs: readonly tf.Tensor[]) =>
  vs.map((v) => Array.from(new Uint32Array(Float32Array.from(v.dataSync()).buffer)));

/**
 * L(θ) = ½·θᵀHθ with H = QΛQᵀ, Q a rotation by 0.3 rad, Λ = diag(4, 0.5): its minimum is θ = 0,
 * and along the eigenvector qᵢ the loss is λᵢ/2·t².
 */
function quadratic() {
  const [c, s] = [Math.cos(0.3), Math.sin(0.3)];
  const q = [
    [c, s],
    [-s, c],
  ];
  const lambda = [4, 0.5];
  const h = [0, 1].map((i) =>
    [0, 1].map((j) => lambda[0] * q[0][i] * q[0][j] + lambda[1] * q[1][i] * q[1][j]),
  );
  const theta = keep(tf.variable(tf.zeros([2]), true, `quad-${Math.random()}`));
  const H = keep(tf.tensor2d(h));
  const loss = () =>
    tf.tidy(
      () =>
        tf.mul(0.5, tf.sum(tf.mul(theta, tf.squeeze(tf.matMul(H, tf.reshape(theta, [2, 1])))))) as tf.Scalar,
    );
  return { theta, loss, q, lambda };
}

/** A 4-6-3 ReLU MLP on fixed data, and a copy with hidden unit 2's filter scaled by c (next layer's row by 1/c). */
function reluMlp(c = 1) {
  const rand = mulberry32(9);
  const normal = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1);
  const w1v = normal(24);
  const b1v = normal(6);
  const w2v = normal(18);
  for (let i = 0; i < 4; i++) w1v[i * 6 + 2] *= c;
  b1v[2] *= c;
  for (let j = 0; j < 3; j++) w2v[2 * 3 + j] /= c;
  const w1 = keep(tf.variable(tf.tensor2d(w1v, [4, 6])));
  const b1 = keep(tf.variable(tf.tensor1d(b1v)));
  const w2 = keep(tf.variable(tf.tensor2d(w2v, [6, 3])));
  const x = keep(tf.tensor2d(normal(40), [10, 4]));
  const y = keep(tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), 3).toFloat());
  const loss = () =>
    tf.tidy(
      () =>
        tf.losses.softmaxCrossEntropy(y, tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2)) as tf.Scalar,
    );
  return { w1, b1, w2, loss };
}

describe.each(['cpu', 'wasm'])('loss slices on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });
  afterEach(() => tf.dispose(made.splice(0)));

  it('along an eigenvector of a quadratic the 1-D slice is λ/2·t² (rel < 1e-6), with the rise within the radius', () => {
    const { theta, loss, q, lambda } = quadratic();
    for (const k of [0, 1]) {
      const slice = lossSlice1d(loss, [theta], { direction: [keep(tf.tensor1d(q[k]))], range: 2, points: 9 });
      expect(slice.t).toEqual([-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2]);
      slice.t.forEach((t, i) => expect(slice.loss[i]).toBeCloseTo((lambda[k] / 2) * t * t, 5));
      expect(slice.center).toBe(0);
      expect(slice.sharpness).toEqual({ measure: 'rise', value: slice.loss[6], radius: 1 });
      expect(slice.sharpness.value).toBeCloseTo(lambda[k] / 2, 5);
    }
  });

  it('the 2-D slice on two eigenvectors is (λ₁a² + λ₂b²)/2, rows following b', () => {
    const { theta, loss, q, lambda } = quadratic();
    const slice = lossSlice2d(loss, [theta], {
      directions: [[keep(tf.tensor1d(q[0]))], [keep(tf.tensor1d(q[1]))]],
      range: [-1, 1],
      points: 5,
    });
    expect(slice.a).toEqual([-1, -0.5, 0, 0.5, 1]);
    slice.b.forEach((b, i) =>
      slice.a.forEach((a, j) =>
        expect(slice.loss[i][j]).toBeCloseTo((lambda[0] * a * a + lambda[1] * b * b) / 2, 5),
      ),
    );
    // Within radius 1 of the centre the largest rise is λ₁/2 at (±1, 0).
    expect(slice.sharpness.value).toBeCloseTo(lambda[0] / 2, 5);
  });

  it('filter normalization makes the slice invariant to rescaling a ReLU filter; a raw direction is not', () => {
    const slices = [1, 8].map((c) => {
      const net = reluMlp(c);
      const normalized = filterNormalizedDirection([net.w1], { seed: 3 }).map(keep);
      const raw = [keep(tf.randomNormal([4, 6], 0, 1, 'float32', 3))];
      return {
        normalized: lossSlice1d(net.loss, [net.w1], { direction: normalized, points: 7 }).loss,
        raw: lossSlice1d(net.loss, [net.w1], { direction: raw, points: 7 }).loss,
      };
    });
    slices[0].normalized.forEach((l, i) =>
      expect(Math.abs(slices[1].normalized[i] - l) / l).toBeLessThan(1e-5),
    );
    const rawGap = Math.max(...slices[0].raw.map((l, i) => Math.abs(slices[1].raw[i] - l) / l));
    expect(rawGap).toBeGreaterThan(0.01);
  });

  it('filterNormalizedDirection: per-filter norms equal the weights’, biases zero unless asked', () => {
    const { w1, b1 } = reluMlp();
    const [d, db] = filterNormalizedDirection([w1, b1], { seed: 5 }).map(keep);
    const columnNorms = (t: tf.Tensor) => Array.from(tf.tidy(() => tf.norm(t, 'euclidean', 0).dataSync()));
    columnNorms(d).forEach((n, j) => expect(n).toBeCloseTo(columnNorms(w1)[j], 5));
    expect(Array.from(db.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    const [, withBias] = filterNormalizedDirection([w1, b1], { seed: 5, includeBiases: true }).map(keep);
    expect(tf.norm(withBias).dataSync()[0]).toBeCloseTo(tf.norm(b1).dataSync()[0], 5);
    const again = filterNormalizedDirection([w1, b1], { seed: 5 }).map(keep);
    expect(Array.from(again[0].dataSync())).toEqual(Array.from(d.dataSync()));
  });

  it('interpolation to other weights: t = 0 and 1 are the two models, the barrier is the bump above the chord', () => {
    // L(θ) = (θ² − 1)²: two minima at ±1 with a bump of height 1 between them.
    const theta = keep(tf.variable(tf.tensor1d([-1])));
    const loss = () => tf.tidy(() => tf.sum(tf.square(tf.sub(tf.square(theta), 1))) as tf.Scalar);
    const slice = lossSlice1d(loss, [theta], { to: [keep(tf.tensor1d([1]))], points: 5 });
    expect(slice.t).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(slice.loss[0]).toBe(0);
    expect(slice.loss[4]).toBe(0);
    expect(slice.kind).toBe('interpolation');
    expect(slice.sharpness).toEqual({ measure: 'barrier', value: 1 });
    // Toward all-zero weights is a line like any other: L(θ) = (θ² − 1)² from −1 to 0 rises by 1.
    const toZero = lossSlice1d(loss, [theta], { to: [keep(tf.zeros([1]))], points: 3 });
    expect(toZero.loss).toEqual([0, 0.5625, 1]);
  });

  it('leaves the weights bit for bit, leaks nothing, and restores them when the loss throws midway', () => {
    const net = reluMlp();
    const variables = [net.w1, net.b1, net.w2];
    const direction = filterNormalizedDirection(variables, { seed: 1, includeBiases: true }).map(keep);
    const before = bits(variables);
    const tensors = tf.memory().numTensors;
    lossSlice2d(net.loss, variables, {
      directions: [direction, direction.map((d) => keep(tf.neg(d)))],
      points: 4,
    });
    expect(tf.memory().numTensors).toBe(tensors + 3); // the negated direction, kept above
    expect(bits(variables)).toEqual(before);
    let calls = 0;
    const throwing = () => {
      if (++calls === 4) throw new Error('boom');
      return net.loss();
    };
    const count = tf.memory().numTensors;
    expect(() => lossSlice1d(throwing, variables, { direction, points: 6 })).toThrow('boom');
    expect(bits(variables)).toEqual(before);
    expect(tf.memory().numTensors).toBe(count);
  });

  it('is side-effect free: state a loss writes as it runs (BatchNorm statistics) is put back', () => {
    const { theta, loss, q } = quadratic();
    const moving = keep(tf.variable(tf.scalar(5), false, `moving-${Math.random()}`));
    const withState = () => {
      moving.assign(tf.add(moving, 1)); // as BatchNormalization updates its moving mean in training
      return loss();
    };
    lossSlice1d(withState, [theta], { direction: [keep(tf.tensor1d(q[0]))], points: 5 });
    expect(moving.dataSync()[0]).toBe(5);
  });

  it('refuses bad input with a clear error, before any weight moves', () => {
    const net = reluMlp();
    const variables = [net.w1, net.b1];
    const good = filterNormalizedDirection(variables, { seed: 2, includeBiases: true }).map(keep);
    const before = bits(variables);
    const zero = variables.map((v) => keep(tf.zerosLike(v)));
    const cases: Array<[() => unknown, RegExp]> = [
      [() => lossSlice1d(net.loss, variables, { direction: zero }), /'direction' is zero everywhere/],
      [() => lossSlice1d(net.loss, variables, { direction: good, range: 0 }), /range/],
      [
        () => lossSlice1d(net.loss, variables, { direction: good, range: [1, -1] }),
        /'range' must be \[lo, hi\] with lo < hi; got \[1, -1\]/,
      ],
      [() => lossSlice1d(net.loss, variables, { direction: good, points: 1 }), /points/],
      [
        () => lossSlice1d(net.loss, variables, { direction: [good[0]] }),
        /list of 2 tensors aligned with the variables; got 1 tensors/,
      ],
      [() => lossSlice1d(net.loss, variables, { direction: [good[1], good[0]] }), /shape of variable/],
      [
        () => lossSlice1d(net.loss, variables, { direction: good, to: good }),
        /exactly one of 'direction' and 'to'/,
      ],
      [() => lossSlice1d(net.loss, variables, { to: variables }), /'to − θ' is zero everywhere/],
      [
        () => lossSlice2d(net.loss, variables, { directions: [good] as never }),
        /'directions' must be a pair/,
      ],
      [() => filterNormalizedDirection(variables, { seed: -1 }), /seed/],
    ];
    for (const [call, message] of cases) expect(call).toThrow(message);
    expect(bits(variables)).toEqual(before);
  });
});
