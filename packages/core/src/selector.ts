import * as tf from '@tensorflow/tfjs-core';
import { packedOnce, webglBackend, type WebGLBackend } from './tfjs/webgl-packing';

/**
 * `ok ? a : b` over whole tensors, for the device-side non-finite guard, in as few GPU passes as
 * the backend allows (on WebGL and tfjs-node a step's cost is mostly its number of programs or
 * kernels, whatever their size):
 * - webgl: one packed program per tensor. tfjs' Select is an unpacked program, so on packed
 *   textures it costs an unpack of each input besides the select (4 programs, measured).
 * - webgpu: the Select kernel with the condition tiled to the first dimension only (TF's Select
 *   takes one condition per row).
 * - elsewhere: the Select kernel with the condition tiled to the full shape, once per shape and
 *   step (tfjs-backend-cpu 4.22's Select mishandles a per-row condition: it repeats each row's
 *   first value).
 */
export class Selector {
  private readonly conditions = new Map<string, tf.Tensor>();
  private readonly backend = tf.getBackend();
  private okAsFloat: tf.Scalar | undefined;

  constructor(private readonly ok: tf.Scalar) {}

  of(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
    if (a.rank === 0) return tf.where(this.ok, a, b);
    const fits = a.rank <= 4 && a.dtype === 'float32';
    const webgl = webglBackend();
    if (webgl) return fits ? this.packed(webgl, a, b) : tf.where(this.condition(a.shape), a, b);
    // The Select kernel directly: tf.where also broadcasts each input to the common shape, which
    // for equal shapes is an Identity kernel per input (a full copy on wasm).
    const perRow = fits && this.backend === 'webgpu';
    return select(this.condition(perRow ? [a.shape[0]] : a.shape), a, b);
  }

  /** One WebGL program, reading and writing packed textures (4 values per texel). */
  private packed(webgl: WebGLBackend, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
    this.okAsFloat ??= packedOnce(tf.cast(this.ok, 'float32')) as tf.Scalar;
    const program = {
      variableNames: ['A', 'B', 'C'],
      outputShape: a.shape,
      packedInputs: true,
      packedOutput: true,
      userCode: `
        void main() {
          setOutput(getC().x >= 1.0 ? getAAtOutCoords() : getBAtOutCoords());
        }
      `,
    };
    const info = webgl.compileAndRun(program, [a, b, this.okAsFloat]);
    return tf.engine().makeTensorFromTensorInfo(info);
  }

  /** `ok` tiled to `shape`, made once per shape and step. */
  private condition(shape: readonly number[]): tf.Tensor {
    const key = shape.join(',');
    let condition = this.conditions.get(key);
    if (!condition) {
      condition = tf.broadcastTo(this.ok, [...shape]);
      this.conditions.set(key, condition);
    }
    return condition;
  }
}

function select(condition: tf.Tensor, t: tf.Tensor, e: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel('Select', { condition, t, e }) as tf.Tensor;
}
