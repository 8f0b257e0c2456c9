import type { Plugin, StepContext } from '@flatopt/core';
import { assertBitwiseEqual, readAll } from './bitwise';

/**
 * Wraps a plugin so that every `ctx.probe` it makes is checked: the weights after the probe must
 * equal those before it bit for bit, whether `fn` returned or threw. Everything else is delegated.
 */
export function instrumentProbes(plugin: Plugin, check: string, counter: { probes: number }): Plugin {
  const spy = (ctx: StepContext): StepContext => ({
    ...ctx,
    probe(shift, scale, fn) {
      counter.probes++;
      const before = readAll(ctx.variables);
      let threw = false;
      try {
        return ctx.probe(shift, scale, fn);
      } catch (e) {
        threw = true;
        throw e;
      } finally {
        assertBitwiseEqual(
          check,
          `weights after probe #${counter.probes}${threw ? ' (which threw)' : ''}`,
          readAll(ctx.variables),
          before,
          ctx.variables.map((v) => v.name),
        );
      }
    },
  });
  const wrapped = Object.create(plugin) as { -readonly [K in keyof Plugin]: Plugin[K] };
  const { evaluate, apply, transformLoss } = plugin;
  if (evaluate) wrapped.evaluate = (ctx, next) => evaluate.call(plugin, spy(ctx), next);
  if (apply) wrapped.apply = (ctx, grads, next) => apply.call(plugin, spy(ctx), grads, next);
  if (transformLoss) wrapped.transformLoss = (ctx, loss) => transformLoss.call(plugin, spy(ctx), loss);
  return wrapped as Plugin;
}
