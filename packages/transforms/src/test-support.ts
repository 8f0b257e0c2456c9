import * as tf from '@tensorflow/tfjs';

/** A 4-6-1 tanh network compiled with `optimizer` and mean squared error, its kernels drawn from `seed` and `seed + 1`. */
export function smallModel(optimizer: tf.Optimizer, seed: number): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [4],
        units: 6,
        activation: 'tanh',
        kernelInitializer: tf.initializers.glorotNormal({ seed }),
      }),
      tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }) }),
    ],
  });
  m.compile({ optimizer, loss: 'meanSquaredError' });
  return m;
}
