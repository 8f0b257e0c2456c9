import * as tf from '@tensorflow/tfjs-core';

type Backend = { incRef(dataId: object): void };
type AliasingEngine = {
  state: { tensorInfo: Map<object, { backend: Backend }> };
  makeTensorFromDataId(dataId: object, shape: number[], dtype: tf.DataType, backend: Backend): tf.Tensor;
};

/**
 * A new handle on `x`'s buffer, made without launching a kernel: what `tf.clone` amounts to on
 * the cpu backend (its Identity kernel only adds a reference), on every backend. `tf.clone`
 * launches an Identity kernel, which costs a kernel call on tfjs-node and WebGL and copies the
 * whole buffer on wasm. tfjs never writes into a buffer in place (`Variable.assign` swaps in
 * another buffer), so the handle keeps the value `x` had when it was made, as a clone does; like
 * a clone it joins the current tidy scope and is freed by `dispose`.
 */
export function alias<T extends tf.Tensor>(x: T): T {
  const engine = tf.engine() as unknown as AliasingEngine;
  const info = engine.state.tensorInfo.get(x.dataId);
  if (!info || x.dtype === 'string' || x.dtype === 'complex64') return tf.clone(x);
  info.backend.incRef(x.dataId);
  return engine.makeTensorFromDataId(x.dataId, [...x.shape], x.dtype, info.backend) as T;
}
