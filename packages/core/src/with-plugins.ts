import * as tf from '@tensorflow/tfjs-core';
import { describe, FlatoptError } from './errors';
import { PluggedOptimizer, type PluggedOptions } from './plugged-optimizer';
import type { Plugin } from './types';
import { checkKnownKeys } from './validate';

const HOOKS = [
  'init',
  'restored',
  'transformLoss',
  'evaluate',
  'apply',
  'reparameterize',
  'getWeights',
  'setWeights',
  'dispose',
] as const;

/**
 * Stacks plugins on any `tf.train` optimizer; the result is itself a `tf.Optimizer`.
 *
 * ```ts
 * const optimizer = withPlugins(tf.train.adam(1e-3), sam({ rho: 0.05 }), flooding({ level: 0.02 }));
 * model.compile({ optimizer, loss: 'categoricalCrossentropy' });
 * ```
 * Plugins are listed outermost first. A trailing options object sets the non-finite policy:
 * `withPlugins(opt, sam(), { nonFinite: 'skip' })`. Wrapping a PluggedOptimizer again adds the
 * new plugins outside the existing ones.
 */
export function withPlugins(
  optimizer: tf.Optimizer,
  ...pluginsAndOptions: Array<Plugin | PluggedOptions>
): PluggedOptimizer {
  if (!isOptimizer(optimizer)) {
    throw new FlatoptError(
      `withPlugins: the first argument must be a tf.Optimizer such as tf.train.adam(1e-3); got ${describe(optimizer)}.`,
    );
  }
  let options: PluggedOptions = {};
  const plugins = [...pluginsAndOptions];
  const last = plugins[plugins.length - 1];
  if (plugins.length > 0 && !looksLikePlugin(last) && isPlainObject(last)) {
    options = plugins.pop() as PluggedOptions;
    checkKnownKeys('withPlugins', options, ['nonFinite', 'finiteCheck']);
  }
  plugins.forEach((p, i) => checkPlugin(p, i + 2));
  let inner = optimizer;
  let stack = plugins as Plugin[];
  if (PluggedOptimizer.is(optimizer)) {
    inner = optimizer.inner;
    stack = [...stack, ...optimizer.plugins];
    options = { nonFinite: optimizer.nonFinite, finiteCheck: optimizer.finiteCheck, ...options };
  }
  checkUniqueNames(stack);
  return new PluggedOptimizer(inner, stack, options);
}

function isOptimizer(x: unknown): x is tf.Optimizer {
  const o = x as Partial<tf.Optimizer> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.minimize === 'function' &&
    typeof o.computeGradients === 'function' &&
    typeof o.applyGradients === 'function'
  );
}

function isPlainObject(x: unknown): boolean {
  return typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
}

/** Plugins have a name; the options object never does. */
function looksLikePlugin(x: unknown): boolean {
  return typeof x === 'object' && x !== null && 'name' in x;
}

function checkPlugin(p: unknown, position: number): asserts p is Plugin {
  const where = `withPlugins: argument ${position}`;
  if (typeof p !== 'object' || p === null) {
    throw new FlatoptError(
      `${where} must be a flatopt plugin (such as sam() or gradReg()); got ${describe(p)}.`,
    );
  }
  const plugin = p as Record<string, unknown>;
  if (typeof plugin.name !== 'string' || plugin.name.length === 0 || plugin.name.includes('/')) {
    throw new FlatoptError(
      `${where} is not a flatopt plugin: 'name' must be a non-empty string without '/'; got ${describe(plugin.name)}.`,
    );
  }
  if (typeof plugin.getConfig !== 'function') {
    throw new FlatoptError(
      `${where} ('${plugin.name}') is not a flatopt plugin: it has no getConfig() method.`,
    );
  }
  for (const hook of HOOKS) {
    if (plugin[hook] !== undefined && typeof plugin[hook] !== 'function') {
      throw new FlatoptError(
        `${where} ('${plugin.name}'): '${hook}' must be a function; got ${describe(plugin[hook])}.`,
      );
    }
  }
  if ((plugin.getWeights === undefined) !== (plugin.setWeights === undefined)) {
    throw new FlatoptError(`${where} ('${plugin.name}'): getWeights and setWeights must be given together.`);
  }
}

function checkUniqueNames(plugins: readonly Plugin[]): void {
  plugins.forEach((p, i) => {
    const j = plugins.findIndex((q) => q.name === p.name);
    if (j === i) return;
    const keepsState = (q: Plugin) => q.getWeights !== undefined || q.init !== undefined;
    const stateful = keepsState(p) && keepsState(plugins[j]);
    throw new FlatoptError(
      `withPlugins: plugins ${j + 1} and ${i + 1} are both named '${p.name}'` +
        (stateful ? ' and both keep state, so their state names would collide' : '') +
        `; plugin names key state and diagnostics and must be unique. Give one a distinct name (most plugins take a 'name' option).`,
    );
  });
}
