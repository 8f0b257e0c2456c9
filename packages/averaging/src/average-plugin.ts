import * as tf from '@tensorflow/tfjs-core';
import type { PluginHooks } from '@flatopt/core';
import {
  attach,
  AVERAGING,
  due,
  refuseWhileSwapped,
  type AverageSlots,
  type AveragingHandle,
} from './handles';

/**
 * The hooks EMA and SWA share: state from `init` (an `average` per trained variable, zeros, and
 * a `count` of the iterates it holds, 0), a refusal to train while the averages are swapped in,
 * and `update` after the wrapped optimizer's update on every `every`-th step from `start`.
 */
export function averagingHooks(
  kind: AveragingHandle['kind'],
  name: string,
  start: number,
  every: number,
  update: (slots: AverageSlots) => void,
): PluginHooks {
  const handle: AveragingHandle = { kind, start, every, slots: null, stash: null };
  const hooks: PluginHooks = {
    init(ctx) {
      // Zeros, not a copy of the weights: the first average is then w exactly (0·0 + 1·w for EMA,
      // 0 + (w − 0)/1 for SWA), and a swap before it is refused (count 0).
      const averages = ctx.perVariable('average', (v) => tf.zerosLike(v)) as tf.Variable[];
      const count = ctx.single('count', () => tf.scalar(0));
      handle.slots = { variables: ctx.variables, averages, count };
    },
    evaluate(_ctx, next) {
      refuseWhileSwapped(name, handle);
      return next();
    },
    apply(ctx, grads, next) {
      refuseWhileSwapped(name, handle);
      next(grads);
      if (due(ctx.iteration, start, every)) tf.tidy(() => update(handle.slots!));
    },
  };
  return attach(hooks, AVERAGING, handle);
}
