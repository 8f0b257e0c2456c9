import * as tf from '@tensorflow/tfjs-core';

type TapeNode = { saved?: tf.Tensor[] };
type Engine = ReturnType<typeof tf.engine> & {
  keep<T extends tf.Tensor>(t: T): T;
  state: { activeTape: TapeNode[] | null };
};

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
 *   snapshotted (an O(1) clone that shares the buffer) and restored if they were reassigned;
 * - the closure `tf.keep`s its metric tensors into an array fit reads from the first call only:
 *   tensors kept during `fn` are disposed afterwards, so they neither leak nor pile up — except
 *   those the engine itself kept for the gradient tape's backward pass (it uses `keep` as well).
 * The returned value must not itself be a kept tensor.
 */
export function sideEffectFree<T>(fn: () => T): T {
  const engine = tf.engine() as Engine;
  const snapshot = Object.values(engine.registeredVariables)
    .filter((v) => !v.trainable)
    .map((v) => ({ v, dataId: v.dataId, copy: tf.clone(v) }));
  const keep = engine.keep;
  const kept: tf.Tensor[] = [];
  engine.keep = function <K extends tf.Tensor>(this: Engine, t: K): K {
    kept.push(t);
    return keep.call(this, t) as K;
  };
  try {
    return fn();
  } finally {
    engine.keep = keep;
    for (const { v, dataId, copy } of snapshot) {
      if (v.dataId !== dataId) v.assign(copy);
      copy.dispose();
    }
    const saved = savedByTape(engine);
    tf.dispose(kept.filter((t) => !saved.has(t.id)));
  }
}
