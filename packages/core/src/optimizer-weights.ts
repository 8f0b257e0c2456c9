import * as tf from '@tensorflow/tfjs-core';
import { FlatoptError } from './errors';
import type { PluginState } from './plugin-state';
import type { NamedTensor, Plugin } from './types';
import { names } from './variable-layout';

/**
 * The weights a PluggedOptimizer saves (getWeights, `model.save` with the optimizer): the
 * wrapped optimizer's own, then its hidden state, then each plugin's state, prefixed so that
 * `setWeights` can hand every part back to its owner.
 */

/** Prefix of plugin state in `getWeights()`, after the wrapped optimizer's own weights. */
const STATE_PREFIX = 'flatopt/';
/** Hidden state of the wrapped optimizer that its own getWeights leaves out (see `hiddenState`). */
const HIDDEN_PREFIX = `${STATE_PREFIX}@inner/`;

/**
 * Variables a tfjs optimizer keeps outside its getWeights, such as Adam's running powers
 * `accBeta1`/`accBeta2`. Adam's setWeights recomputes them as β^(t+1), which differs in the last
 * bits from the product the uninterrupted run accumulated, so a resumed run drifts; saving them
 * makes resume bit-exact.
 */
function hiddenState(optimizer: tf.Optimizer): Array<[string, tf.Variable]> {
  return Object.entries(optimizer).filter((e): e is [string, tf.Variable] => e[1] instanceof tf.Variable);
}

/** Everything to save, with unique names (model.save keys weights by name). */
export async function collectWeights(
  inner: tf.Optimizer,
  plugins: readonly Plugin[],
  states: readonly PluginState[],
): Promise<NamedTensor[]> {
  const out = [...(await inner.getWeights())];
  for (const [key, variable] of hiddenState(inner))
    out.push({ name: `${HIDDEN_PREFIX}${key}`, tensor: variable });
  for (const [i, plugin] of plugins.entries()) {
    const own = [...states[i].weights(), ...((await plugin.getWeights?.()) ?? [])];
    for (const w of own) out.push({ name: `${STATE_PREFIX}${plugin.name}/${w.name}`, tensor: w.tensor });
  }
  const seen = new Set<string>();
  for (const { name } of out) {
    if (seen.has(name)) {
      throw new FlatoptError(
        `getWeights: two weights are both named '${name}'; model.save keys weights by name, so plugin state names must be unique.`,
      );
    }
    seen.add(name);
  }
  return out;
}

/** Splits saved weights by owner; throws on plugin state no plugin of this stack keeps. */
function byOwner(weights: readonly NamedTensor[], plugins: readonly Plugin[]) {
  const own = weights.filter((w) => !w.name.startsWith(STATE_PREFIX));
  const hidden = weights.filter((w) => w.name.startsWith(HIDDEN_PREFIX));
  const byPlugin = new Map<string, NamedTensor[]>();
  for (const w of weights) {
    if (!w.name.startsWith(STATE_PREFIX) || w.name.startsWith(HIDDEN_PREFIX)) continue;
    const rest = w.name.slice(STATE_PREFIX.length);
    const cut = rest.indexOf('/');
    const pluginName = rest.slice(0, cut);
    if (cut < 0 || !plugins.some((p) => p.name === pluginName && (p.setWeights || p.init))) {
      throw new FlatoptError(
        `setWeights: weight '${w.name}' belongs to no stateful plugin of this optimizer (plugins: ${names(plugins)}).`,
      );
    }
    const list = byPlugin.get(pluginName) ?? [];
    list.push({ name: rest.slice(cut + 1), tensor: w.tensor });
    byPlugin.set(pluginName, list);
  }
  return { own, hidden, byPlugin };
}

/** Hands saved weights back: the wrapped optimizer's, its hidden state, each plugin's state. */
export async function restoreWeights(
  inner: tf.Optimizer,
  plugins: readonly Plugin[],
  states: readonly PluginState[],
  weights: readonly NamedTensor[],
): Promise<void> {
  const { own, hidden, byPlugin } = byOwner(weights, plugins);
  await inner.setWeights(own);
  const slots = new Map(hiddenState(inner));
  for (const w of hidden) {
    const slot = slots.get(w.name.slice(HIDDEN_PREFIX.length));
    if (slot && slot.dtype === w.tensor.dtype && slot.size === w.tensor.size)
      tf.tidy(() => slot.assign(tf.reshape(w.tensor, slot.shape)));
  }
  for (const [i, plugin] of plugins.entries()) {
    const given = byPlugin.get(plugin.name) ?? [];
    if (plugin.init) states[i].setWeights(given);
    else if (plugin.setWeights) await plugin.setWeights(given);
  }
}
