import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOST_LIMIT, PrecisionWatch } from './precision-watch';

describe('PrecisionWatch', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('raises nothing while at most half of each perturbation is lost', async () => {
    const watch = new PrecisionWatch();
    const before = tf.memory().numTensors;
    watch.add(tf.scalar(0), 'sam', 1);
    watch.add(tf.scalar(LOST_LIMIT), 'sam', 2);
    // From a NaN gradient: the non-finite check reports that step, not this watch.
    watch.add(tf.scalar(NaN), 'sam', 3);
    await expect(watch.settled()).resolves.toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    [0.83, '83%'],
    [1, '100%'],
  ])(
    'a lost share of %s throws once, naming the plugin, the iteration and the remedy',
    async (share, shown) => {
      const watch = new PrecisionWatch();
      watch.add(tf.scalar(0.1), 'gradReg', 3);
      watch.add(tf.scalar(share), 'gradReg', 4);
      const error = await watch.settled().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      const message = (error as Error).message;
      for (const part of ['gradReg', 'iteration 4', shown, 'float16', 'sam: rho; gradReg: epsilon'])
        expect(message).toContain(part);
      expect(() => watch.raise()).not.toThrow();
    },
  );
});
