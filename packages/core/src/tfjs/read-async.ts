import * as tf from '@tensorflow/tfjs-core';

/**
 * Reads `tensor` without blocking and takes it over: it is freed as soon as that is safe, also
 * when the call sits inside a `tf.tidy`. On webgl, cpu, wasm and tfjs-node that is at once (the
 * GPU read keeps its own hold, or the values are read on the spot); webgpu's read writes to the
 * tensor's record when the GPU answers, so there the tensor is kept until then.
 *
 * For diagnostics on a training path: unlike `dataSync`, this neither stalls the GPU pipeline nor
 * holds the page's main thread. The promise resolves once the backend has computed the values
 * (on WebGL, after the page next yields).
 */
export function readAsync(tensor: tf.Tensor): Promise<tf.backend_util.TypedArray> {
  const keep = tf.getBackend() === 'webgpu';
  if (keep) tf.keep(tensor);
  const values = tensor.data() as Promise<tf.backend_util.TypedArray>;
  if (!keep) tensor.dispose();
  return keep ? values.finally(() => tensor.dispose()) : values;
}
