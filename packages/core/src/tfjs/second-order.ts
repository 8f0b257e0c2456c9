import * as tf from '@tensorflow/tfjs-core';

type PoolAttrs = {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};
type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

const runKernel = (name: string, inputs: tf.NamedTensorMap, attrs?: object): tf.Tensor =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap);

/** A single-input kernel whose gradient is `grad(dy, x, attrs)`, computed from the saved input. */
function fromInput(
  kernelName: string,
  input: string,
  grad: (dy: tf.Tensor, x: tf.Tensor, attrs: tf.NamedAttrMap) => tf.Tensor,
): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: [input],
    gradFunc: (dy, [x], attrs) => ({ [input]: () => grad(dy as tf.Tensor, x, attrs) }),
  };
}

/**
 * Comparisons and logical ops are piecewise constant, so their gradient is zero. tfjs registers none
 * for most of them (only GreaterEqual has one), yet they sit on the tape of a nested gradient as
 * soon as the inner backward pass of max, maximum, clipByValue or logSumExp runs, and the tape
 * needs a float32 gradient for every input — also the bool inputs of LogicalAnd/LogicalOr.
 */
const zeroGradient = (kernelName: string): tf.GradConfig => ({
  kernelName,
  inputsToSave: ['a', 'b'],
  gradFunc: (_dy, [a, b]) => ({ a: () => tf.zeros(a.shape), b: () => tf.zeros(b.shape) }),
});

/** LogicalNot has one (bool) input; `tf.where`'s gradient applies it to the condition. */
const zeroGradientUnary: tf.GradConfig = {
  kernelName: 'LogicalNot',
  inputsToSave: ['x'],
  gradFunc: (_dy, [x]) => ({ x: () => tf.zeros(x.shape) }),
};

/**
 * Σ over each pooling window of `g`, divided by the window size, with `g` zero-padded exactly as the
 * pooling kernel padded its input. The AvgPoolGrad kernels (cpu and wasm) spread each dy over its
 * window with weight 1/(fh·fw), counting padded cells too, so this — not avgPool(g, …, 'same'),
 * which divides by the number of valid cells — is the exact transpose of AvgPoolGrad in dy.
 */
function windowMean(g: tf.Tensor4D, attrs: PoolAttrs): tf.Tensor4D {
  const info = tf.backend_util.computePool2DInfo(
    g.shape,
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { top, left } = info.padInfo;
  // Rows/columns the windows reach past the input on the bottom/right (negative: some are never reached).
  const bottom = (info.outHeight - 1) * info.strideHeight + info.filterHeight - g.shape[1] - top;
  const right = (info.outWidth - 1) * info.strideWidth + info.filterWidth - g.shape[2] - left;
  const padding: [number, number][] = [
    [0, 0],
    [top, Math.max(bottom, 0)],
    [left, Math.max(right, 0)],
    [0, 0],
  ];
  const padded = padding.some(([a, b]) => a > 0 || b > 0) ? tf.pad(g, padding) : g;
  const mean = tf.avgPool(
    padded,
    [info.filterHeight, info.filterWidth],
    [info.strideHeight, info.strideWidth],
    'valid',
  );
  if (mean.shape[1] === info.outHeight && mean.shape[2] === info.outWidth) return mean;
  return tf.slice(mean, [0, 0, 0, 0], [-1, info.outHeight, info.outWidth, -1]);
}

/**
 * The transpose in dy of MaxPoolGrad: for each window, g at the cell the kernel routed that
 * window's dy to. The cell is read off the kernel itself rather than recomputed (maxPoolWithArgmax
 * disagrees with MaxPoolGrad on wasm), so the result is the exact derivative of the gradient tfjs
 * computes. Windows that overlap (filter > stride) are split into groups of non-overlapping ones,
 * ⌈fh/sh⌉·⌈fw/sw⌉ kernel calls in all (one for the usual 2×2 stride-2 pooling): within a group,
 * MaxPoolGrad of the group's indicator marks each window's chosen cell with 1.
 */
function atMaxCells(g: tf.Tensor4D, input: tf.Tensor4D, output: tf.Tensor4D, attrs: PoolAttrs): tf.Tensor {
  const info = tf.backend_util.computePool2DInfo(
    input.shape,
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const [outH, outW] = [info.outHeight, info.outWidth];
  const groupsH = Math.ceil(info.filterHeight / info.strideHeight);
  const groupsW = Math.ceil(info.filterWidth / info.strideWidth);
  const windowSize = info.filterHeight * info.filterWidth;
  const single = groupsH === 1 && groupsW === 1;
  const picked: tf.Tensor[] = [];
  for (let gh = 0; gh < groupsH; gh++) {
    for (let gw = 0; gw < groupsW; gw++) {
      const indicator = new Float32Array(outH * outW);
      for (let i = gh; i < outH; i += groupsH)
        for (let j = gw; j < outW; j += groupsW) indicator[i * outW + j] = 1;
      const group = single
        ? tf.onesLike(output)
        : tf.mul(tf.tensor4d(indicator, [1, outH, outW, 1]), tf.onesLike(output));
      const chosen = runKernel('MaxPoolGrad', { dy: group, input, output }, attrs) as tf.Tensor4D;
      // Each window of the group holds one marked cell, so its mean times its size is g there.
      const sums = tf.mul(windowMean(tf.mul(chosen, g), attrs), windowSize);
      picked.push(single ? sums : tf.mul(sums, group));
    }
  }
  return picked.length === 1 ? picked[0] : tf.addN(picked);
}

/**
 * The gradients enableSecondOrderGradients() installs. Each first-order value is computed with the
 * same kernels, in the same order, as tfjs-core 4.22's own gradient (dist/gradients/*_grad.js),
 * so first-order gradients stay bit-identical; only where the output comes from changes.
 */
const SECOND_ORDER_GRADIENTS: readonly tf.GradConfig[] = [
  // Original: mul(sub(scalar(1), square(y)), dy).
  fromInput('Tanh', 'x', (dy, x) => tf.mul(tf.sub(tf.scalar(1), tf.square(tf.tanh(x))), dy)),
  // Original: mul(dy, mul(y, sub(scalar(1), y))).
  fromInput('Sigmoid', 'x', (dy, x) => {
    const y = tf.sigmoid(x);
    return tf.mul(dy, tf.mul(y, tf.sub(tf.scalar(1), y)));
  }),
  // Original: mul(dy, y).
  fromInput('Exp', 'x', (dy, x) => tf.mul(dy, tf.exp(x))),
  // Original: the EluGrad kernel on (dy, y). Kept (an arithmetic where(y ≥ 0, dy, dy·(y+1)) differs in
  // the last bit for ~2% of entries on cpu and wasm); EluGrad gets a gradient of its own below.
  fromInput('Elu', 'x', (dy, x) => runKernel('EluGrad', { dy, y: tf.elu(x) })),
  // EluGrad(dy, y) = dy where y ≥ 0, dy·(y + 1) elsewhere: linear in dy (its transpose is itself),
  // and ∂/∂y = dy where y < 0.
  {
    kernelName: 'EluGrad',
    inputsToSave: ['dy', 'y'],
    gradFunc: (g, [dy, y]) => ({
      dy: () => runKernel('EluGrad', { dy: g as tf.Tensor, y }),
      y: () => tf.where(tf.less(y, 0), tf.mul(g as tf.Tensor, dy), tf.zerosLike(y)),
    }),
  },
  // Original: dyTimesY = mul(dy, y); sub(dyTimesY, mul(sum(dyTimesY, [dim], true), y)).
  fromInput('Softmax', 'logits', (dy, logits, attrs) => {
    const { dim } = attrs as unknown as { dim: number };
    const y = tf.softmax(logits, dim);
    const dyTimesY = tf.mul(dy, y);
    return tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [dim], true), y));
  }),
  ...['Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'LogicalAnd', 'LogicalOr'].map(
    zeroGradient,
  ),
  zeroGradientUnary,
  // AvgPoolGrad is linear in dy and does not depend on the values of its input.
  {
    kernelName: 'AvgPoolGrad',
    inputsToSave: ['input'],
    gradFunc: (g, [input], attrs) => ({
      dy: () => windowMean(g as tf.Tensor4D, attrs as unknown as PoolAttrs),
      input: () => tf.zeros(input.shape),
    }),
  },
  // MaxPoolGrad is linear in dy; the choice of cells is piecewise constant in input (and output).
  {
    kernelName: 'MaxPoolGrad',
    inputsToSave: ['input', 'output'],
    gradFunc: (g, [input, output], attrs) => ({
      dy: () =>
        atMaxCells(
          g as tf.Tensor4D,
          input as tf.Tensor4D,
          output as tf.Tensor4D,
          attrs as unknown as PoolAttrs,
        ),
      input: () => tf.zeros(input.shape),
      output: () => tf.zeros(output.shape),
    }),
  },
  // dW = Conv2DBackpropFilter(x, dy) is bilinear: its transposes are the two other conv kernels, exactly
  // as in tfjs' own Conv2DBackpropInput gradient.
  {
    kernelName: 'Conv2DBackpropFilter',
    inputsToSave: ['x', 'dy'],
    gradFunc: (g, [x, dy], attrs) => {
      const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as ConvAttrs;
      const filter = g as tf.Tensor4D;
      return {
        x: () =>
          runKernel(
            'Conv2DBackpropInput',
            { dy, filter },
            { strides, pad, dataFormat, dimRoundingMode, inputShape: x.shape },
          ),
        dy: () => tf.conv2d(x as tf.Tensor4D, filter, strides, pad, dataFormat, 1, dimRoundingMode),
      };
    },
  },
];

/** Kernels whose gradient enableSecondOrderGradients() replaces (or adds, where tfjs has none). */
export const SECOND_ORDER_KERNELS: readonly string[] = SECOND_ORDER_GRADIENTS.map((c) => c.kernelName);

type State = {
  installed: readonly tf.GradConfig[];
  originals: Map<string, tf.GradConfig | undefined>;
} | null;
// On globalThis, like tfjs' own registry, so that two copies of this package (an ESM and a CJS
// build, say) agree on whether the fix is on and on what to restore.
const stateKey: unique symbol = Symbol.for('@flatopt/grad-reg/second-order-gradients');
const store = globalThis as { [stateKey]?: State };

/**
 * Makes nested gradients — `tf.grad(tf.grad(f))`, `tf.variableGrads` inside `tf.variableGrads`,
 * Hessian-vector products, double-backprop gradient regularization — correct in tfjs 4.22.
 *
 * Why: several tfjs gradients read the op's saved OUTPUT y. The engine saves it as a clone whose
 * Identity node is pushed on the tape before the op's own node, so the tape filter (one forward
 * sweep) never reaches it: in a nested gradient the path through y is cut and the second
 * derivative is silently wrong (TFJS_INTERNALS §3, root cause A; x·tanh(x) at x = 1 gives f'' =
 * 0.840 instead of 0.200, and tf.grad(tf.grad(tf.tanh)) throws). Other kernels that appear on the
 * tape of a nested gradient have no gradient at all, so it throws.
 *
 * What: re-registers Tanh, Sigmoid, Exp, Elu and Softmax with gradients that recompute y from the
 * saved input; adds zero gradients for Equal, NotEqual, Greater, GreaterEqual, Less, LessEqual,
 * LogicalAnd, LogicalOr; and adds gradients for EluGrad, AvgPoolGrad, MaxPoolGrad and
 * Conv2DBackpropFilter. First-order gradients stay bit-identical (the same kernels run in the same
 * order); their only cost is recomputing the output (one extra op) in each affected backward step.
 *
 * Not fixed: `tf.customGrad` ops such as `tf.losses.softmaxCrossEntropy` and `tf.logSoftmax`
 * (root cause B, which no registration can reach; use softmaxCrossEntropy from this package), and
 * the gradients of Pow in its exponent, LRN and MaxPool3D, which also read a saved output. Max/Min
 * reductions and MaxPool read theirs only through a piecewise-constant mask, so they need nothing.
 *
 * The registry is global: this affects every gradient computed in the process, on every backend.
 * It is idempotent and reversible: disableSecondOrderGradients() puts back the exact gradient
 * configs that were registered when this was called.
 */
export function enableSecondOrderGradients(): void {
  if (store[stateKey]) return;
  const originals = new Map<string, tf.GradConfig | undefined>();
  for (const config of SECOND_ORDER_GRADIENTS) {
    originals.set(config.kernelName, tf.getGradient(config.kernelName));
    tf.registerGradient(config);
  }
  store[stateKey] = { installed: SECOND_ORDER_GRADIENTS, originals };
}

/**
 * Restores the gradients enableSecondOrderGradients() replaced (and removes those it added).
 * A kernel whose gradient someone re-registered in the meantime keeps that newer gradient.
 */
export function disableSecondOrderGradients(): void {
  const state = store[stateKey];
  if (!state) return;
  for (const config of state.installed) {
    if (tf.getGradient(config.kernelName) !== config) continue;
    const original = state.originals.get(config.kernelName);
    if (original) tf.registerGradient(original);
    else tf.unregisterGradient(config.kernelName);
  }
  store[stateKey] = null;
}

/** Whether enableSecondOrderGradients() is in effect. */
export function secondOrderGradientsEnabled(): boolean {
  return store[stateKey] != null;
}
