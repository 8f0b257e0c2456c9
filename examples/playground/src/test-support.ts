/** What the unit tests (Node) share: the cpu backend and the gradients (tfjs-core alone lacks them), a config. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import type { StackConfig } from './stack';

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
}

/** Plain SGD 0.1 with every plugin off but the IGR monitor: the tests' starting config. */
export const PLAIN_SGD: StackConfig = {
  optimizer: 'sgd',
  learningRate: 0.1,
  sam: { on: false, rho: 0.05, adaptive: false },
  gradReg: { on: false, method: 'forward', gamma: 0.05, epsilon: 0.05 },
  flooding: { on: false, level: 0.1 },
  weightNorm: { on: false },
  igrMonitor: { on: true },
  averaging: { kind: 'none', decay: 0.99, start: 0 },
};
