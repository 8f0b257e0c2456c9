/** Imported by the unit tests (Node): the cpu backend and the gradients, which tfjs-core alone lacks. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
}
