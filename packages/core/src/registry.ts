import { describe, FlatoptError } from './errors';
import type { Plugin, PluginConfig } from './types';

/** Rebuilds a plugin from the config its `getConfig()` returned (and its instance name). */
export type PluginFactory = (config: PluginConfig, name: string) => Plugin;

const factories = new Map<string, PluginFactory>();

/** flatopt's own plugin types and the package that registers each, for the hint when one is missing. */
export const PLUGIN_PACKAGES: Readonly<Record<string, string>> = {
  sam: '@flatopt/sam',
  gsam: '@flatopt/sam',
  gradReg: '@flatopt/grad-reg',
  flooding: '@flatopt/flooding',
  igrMonitor: '@flatopt/implicit-gr',
  explicitIgr: '@flatopt/implicit-gr',
  weightNorm: '@flatopt/weight-norm',
  ema: '@flatopt/averaging',
  swa: '@flatopt/averaging',
  lookahead: '@flatopt/averaging',
  learningRate: '@flatopt/transforms',
  clipByGlobalNorm: '@flatopt/transforms',
  clipByValue: '@flatopt/transforms',
  decoupledWeightDecay: '@flatopt/transforms',
  accumulate: '@flatopt/transforms',
};

/**
 * Makes a plugin type loadable by `PluggedOptimizer.fromConfig` (and so by `tf.loadLayersModel`).
 * Each plugin package registers its types when it is imported. Registering a type again replaces
 * the earlier factory (tfjs' class registry behaves the same way).
 */
export function registerPlugin(type: string, factory: PluginFactory): void {
  if (typeof type !== 'string' || type.length === 0 || type.includes('_')) {
    throw new FlatoptError(
      `registerPlugin: 'type' must be a non-empty string without '_' (tfjs-layers rewrites '_' on load); got ${describe(type)}.`,
    );
  }
  if (typeof factory !== 'function') {
    throw new FlatoptError(`registerPlugin: 'factory' must be a function; got ${describe(factory)}.`);
  }
  factories.set(type, factory);
}

/** The registered plugin types, for error messages and tooling. */
export function registeredPluginTypes(): string[] {
  return [...factories.keys()].sort();
}

/** Serialized form of one plugin inside a PluggedOptimizer config. */
export interface SerializedPlugin {
  type: string;
  name: string;
  config: PluginConfig;
}

export function serializePlugin(plugin: Plugin): SerializedPlugin {
  return { type: plugin.type ?? plugin.name, name: plugin.name, config: plugin.getConfig() };
}

export function deserializePlugin(entry: SerializedPlugin): Plugin {
  const factory = factories.get(entry.type);
  if (!factory) {
    const known = registeredPluginTypes();
    const pkg = Object.hasOwn(PLUGIN_PACKAGES, entry.type) ? PLUGIN_PACKAGES[entry.type] : undefined;
    const fix = pkg
      ? `Import '${pkg}', which defines it, before loading.`
      : `Import the package that defines it before loading, or call registerPlugin() for a plugin of your own.`;
    throw new FlatoptError(
      `fromConfig: no plugin type '${entry.type}' is registered (known: ${known.length ? known.join(', ') : 'none'}). ${fix}`,
    );
  }
  return factory(entry.config, entry.name);
}
