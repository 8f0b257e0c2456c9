import * as tf from '@tensorflow/tfjs-core';
import { alias } from './alias';

/** What `variableGradsWithAux` differentiates: a scalar to differentiate, and tensors to bring out alongside. */
export interface ValueWithAux<A extends Record<string, tf.Tensor>> {
  value: tf.Scalar;
  aux: A;
}

/**
 * `tf.variableGrads` with auxiliary outputs (JAX's `has_aux`): `f` returns the scalar to
 * differentiate and any intermediate tensors the caller also wants (the raw loss next to a
 * penalized objective, the inner gradient of a double backprop, per-example losses). tfjs'
 * forward pass disposes everything but its result, so the aux tensors are kept through it and
 * handed back as ordinary tensors of the caller's scope: nothing stays kept, nothing leaks.
 */
export function variableGradsWithAux<A extends Record<string, tf.Tensor>>(
  f: () => ValueWithAux<A>,
  variables: readonly tf.Variable[],
): { value: tf.Scalar; grads: tf.NamedTensorMap; aux: A } {
  const kept: tf.Tensor[] = [];
  let aux = {} as A;
  try {
    const { value, grads } = tf.variableGrads(() => {
      const out = f();
      for (const t of Object.values(out.aux)) kept.push(tf.keep(t));
      aux = out.aux;
      return out.value;
    }, [...variables]);
    // An alias joins the current scope (sharing the buffer, no kernel); the kept original goes.
    const free = Object.fromEntries(Object.entries(aux).map(([k, t]) => [k, alias(t)])) as A;
    return { value, grads, aux: free };
  } catch (error) {
    releaseTape();
    throw error;
  } finally {
    tf.dispose(kept);
  }
}

type TapeState = { gradientDepth: number; activeTape: Array<{ saved?: tf.Tensor[] }> | null };

/**
 * When `f` throws, tfjs ends the tape but keeps the tensors it saved for the backward pass (it
 * frees them only after a successful backward pass): dispose them once the outermost gradient
 * has unwound, so a failed step leaks nothing.
 */
function releaseTape(): void {
  const state = (tf.engine() as unknown as { state: TapeState }).state;
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) tf.dispose(node.saved ?? []);
  state.activeTape = null;
}
