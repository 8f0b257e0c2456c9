import { mulberry32 } from '@flatopt/core/testing';

/**
 * The order in which epoch `epoch` of run `seed` visits `n` examples: a Fisher–Yates shuffle
 * driven by mulberry32, so a (seed, epoch) pair gives the same order on every method and every run.
 */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32((seed * 1_000_003 + epoch * 7919) >>> 0);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * The example indices of minibatch `index` of an epoch: whole minibatches of `batch` only (the
 * `n mod batch` examples left at the end of a shuffle wait for the next epoch's shuffle).
 */
export function minibatch(order: Int32Array, index: number, batch: number): Int32Array {
  if (!(index >= 0 && (index + 1) * batch <= order.length)) {
    throw new RangeError(`minibatch ${index} of size ${batch} is outside an epoch of ${order.length}`);
  }
  return order.subarray(index * batch, (index + 1) * batch);
}
