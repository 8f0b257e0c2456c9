import * as tf from '@tensorflow/tfjs-core';
import { alias } from './alias';

type TapeNode = { saved?: tf.Tensor[] };
type Engine = ReturnType<typeof tf.engine> & {
  keep<T extends tf.Tensor>(t: T): T;
  state: { activeTape: TapeNode[] | null };
};
type Push = (this: unknown[], ...items: unknown[]) => number;

/** Ids of the tensors the active gradient tape saved for its backward pass (the engine keeps those too). */
function savedByTape(engine: Engine): Set<number> {
  const ids = new Set<number>();
  for (const node of engine.state.activeTape ?? []) for (const t of node.saved ?? []) ids.add(t.id);
  return ids;
}

/**
 * Runs a loss function a second (third, …) time in a step without the side effects tfjs-layers'
 * training closure has on every call (TFJS_INTERNALS §2):
 * - BatchNormalization writes its moving statistics on every call: non-trainable variables are
 *   snapshotted (an `alias`: it shares the buffer and launches no kernel on any backend, where a
 *   clone copies it on wasm and is a kernel call on tfjs-node and WebGL) and restored if they
 *   were reassigned;
 * - the closure `tf.keep`s each metric and pushes it onto an array that fit reads from and
 *   trainOnBatch returns whole: while `fn` runs, a push of a tensor kept during `fn` is dropped,
 *   and afterwards the tensors kept during `fn` are disposed — except those the engine itself
 *   kept for the gradient tape (it uses `keep` too) and those that existed before `fn`.
 * So a probe neither leaks metric tensors, nor changes what fit reports, nor lengthens what
 * trainOnBatch returns. The returned value must not itself be a kept tensor.
 */
export function sideEffectFree<T>(fn: () => T): T {
  const engine = tf.engine() as Engine;
  const firstNewId = (engine.constructor as unknown as { nextTensorId: number }).nextTensorId;
  const snapshot = Object.values(engine.registeredVariables)
    .filter((v) => !v.trainable)
    .map((v) => ({ v, dataId: v.dataId, copy: alias(v) }));
  const keep = engine.keep;
  const kept = new Set<unknown>();
  engine.keep = function <K extends tf.Tensor>(this: Engine, t: K): K {
    kept.add(t);
    return keep.call(this, t) as K;
  };
  const push = Array.prototype.push as Push;
  Array.prototype.push = function (this: unknown[], ...items: unknown[]): number {
    if (items.length === 1 && kept.has(items[0])) return this.length;
    return push.apply(this, items);
  } as Push;
  try {
    return fn();
  } finally {
    Array.prototype.push = push;
    engine.keep = keep;
    for (const { v, dataId, copy } of snapshot) {
      if (v.dataId !== dataId) v.assign(copy);
      copy.dispose();
    }
    const saved = savedByTape(engine);
    for (const t of kept as Set<tf.Tensor>) if (t.id >= firstNewId && !saved.has(t.id)) t.dispose();
  }
}
