import * as tf from '@tensorflow/tfjs-core';

/**
 * Custom-gradient ops whose gradient is computed from their inputs and is differentiable again:
 * tfjs' fused matMul with a linear activation (what tfjs-layers' Dense uses under a tape), and
 * @flatopt/flooding's flood op `flatoptFlood` (its gradient is dy·s with a sign s that is
 * piecewise constant, so holding s constant is its exact derivative). Checked: double-backprop
 * Hessian-vector products through `tf.fused.matMul({a, b, bias})` equal those through `matMul` +
 * `add` (double-backprop.test.ts); double backprop through flooding matches −g + γ·Hg below the
 * level and g + γ·Hg above it (flooding's composition.test.ts).
 */
const SAFE = new Set(['fusedMatMul', 'flatoptFlood']);

type TapeNode = { kernelName: string; gradient?: unknown; inputs: Record<string, unknown> };

/**
 * Names of the ops on the active gradient tape that carry a custom gradient (`tf.customGrad`):
 * `tf.losses.softmaxCrossEntropy`, `tf.logSoftmax` and any user customGrad. Their gradient
 * functions use intermediates computed inside the kernel, off the tape, so a gradient of their
 * gradient is silently wrong in tfjs 4.22 (TFJS_INTERNALS §3, root cause B) and no
 * re-registration can fix it. Such a node is recognisable on the tape: no registered kernel
 * gradient (its name is the op's scope, e.g. `logSoftmax__op`) and inputs keyed by position, as
 * `tf.customGrad` records them. (The engine's own clones of saved tensors also carry a gradient
 * and a scope name, but a single input named `x`, and their gradient is a plain cast.)
 */
export function customGradientOpsOnTape(): string[] {
  const state = (tf.engine() as unknown as { state: { activeTape: TapeNode[] | null } }).state;
  const names = new Set<string>();
  for (const node of state.activeTape ?? []) {
    const custom = node.gradient && !tf.getGradient(node.kernelName) && Object.hasOwn(node.inputs, '0');
    const name = node.kernelName.replace(/__op$/, '') || 'customGrad';
    if (custom && !SAFE.has(name)) names.add(name);
  }
  return [...names];
}
