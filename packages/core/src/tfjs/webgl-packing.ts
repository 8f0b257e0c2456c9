import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-backend-webgl's MathBackendWebGL that core uses (core imports no backend). */
export interface WebGLBackend {
  compileAndRun(program: object, inputs: tf.TensorInfo[]): tf.TensorInfo;
  packTensor(input: tf.TensorInfo): tf.TensorInfo;
}

/** The active backend when it is tfjs' WebGL backend, else null. */
export function webglBackend(): WebGLBackend | null {
  if (tf.getBackend() !== 'webgl') return null;
  const b = tf.backend() as unknown as Partial<WebGLBackend>;
  return typeof b.compileAndRun === 'function' && typeof b.packTensor === 'function'
    ? (b as WebGLBackend)
    : null;
}

/**
 * `t` as a packed WebGL texture (four values per texel), made once. A packed program packs each
 * unpacked input on every run, so a tensor that feeds many of them (a condition, an averaging
 * vector) is packed up front. On other backends, `t` itself.
 */
export function packedOnce(t: tf.Tensor): tf.Tensor {
  const webgl = webglBackend();
  return webgl ? tf.engine().makeTensorFromTensorInfo(webgl.packTensor(t)) : t;
}
