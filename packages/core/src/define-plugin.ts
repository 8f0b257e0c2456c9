import { describe, FlatoptError } from './errors';
import { resolveOptions, savedOptions, type OptionsOf, type Resolved, type Schema } from './options';
import { registerPlugin } from './registry';
import type { Plugin, PluginConfig } from './types';

/**
 * What `create` returns: the hooks, and any extras the plugin exposes (e.g. a monitor's records).
 * A `getConfig` here adds to the saved options (and may throw), for an option whose saved form
 * is only known later, such as a selection made at the first step.
 */
export type PluginHooks = Omit<Plugin, 'name' | 'type' | 'getConfig'> & { getConfig?(): PluginConfig };

export interface PluginDefinition<S extends Schema, P extends PluginHooks> {
  /** The registered type: `fromConfig` (and `tf.loadLayersModel`) rebuilds the plugin by it. No '_'. */
  readonly type: string;
  /** Every option with its kind, range and default; the options type is derived from it. */
  readonly options: S;
  /** Builds one instance from checked options (defaults filled in) and its instance name. */
  create(options: Resolved<S>, name: string): P;
}

/** The factory `definePlugin` returns; its options are optional unless one is required. */
export type PluginFactoryOf<S extends Schema, P extends PluginHooks> = keyof {
  [K in keyof S as S[K]['required'] extends true ? K : never]: unknown;
} extends never
  ? (options?: OptionsOf<S>) => P & Plugin
  : (options: OptionsOf<S>) => P & Plugin;

function checkName(type: string, name: unknown): string {
  if (name === undefined) return type;
  if (typeof name !== 'string' || name.length === 0 || name.includes('/')) {
    throw new FlatoptError(
      `${type}: option 'name' must be a non-empty string without '/'; got ${describe(name)}.`,
    );
  }
  return name;
}

/**
 * Declares a plugin once: its type, its options schema and how to create it. From that follow
 * the factory users call, its options type, validation with clear errors (unknown keys, values
 * out of range, missing required options, all before anything is created), the instance name,
 * `getConfig` (the saved options) and registration, so `tf.loadLayersModel` can rebuild it.
 *
 * ```ts
 * export const lookahead = definePlugin({
 *   type: 'lookahead',
 *   options: { k: option.number({ default: 5, min: 1, integer: true }), alpha: option.number({ default: 0.5, min: 0, max: 1 }) },
 *   create: ({ k, alpha }) => ({ init(ctx) { … }, apply(ctx, grads, next) { … } }),
 * });
 * ```
 */
export function definePlugin<S extends Schema, P extends PluginHooks>(
  definition: PluginDefinition<S, P>,
): PluginFactoryOf<S, P> {
  const { type, options: schema, create } = definition;
  const factory = (given?: OptionsOf<S>): P & Plugin => {
    const resolved = resolveOptions(type, schema, given);
    const name = checkName(type, (given as { name?: unknown } | undefined)?.name);
    const config = savedOptions(schema, resolved) as PluginConfig;
    const plugin = create(resolved, name);
    const extra = plugin.getConfig?.bind(plugin);
    // Defined, not spread: a plugin's getters (a monitor's `records`) must stay getters.
    return Object.defineProperties(plugin, {
      name: { value: name, enumerable: true },
      type: { value: type, enumerable: true },
      getConfig: { value: extra ? () => ({ ...config, ...extra() }) : () => config, enumerable: true },
    }) as P & Plugin;
  };
  registerPlugin(type, (config, name) => factory({ ...config, name } as unknown as OptionsOf<S>));
  return factory as PluginFactoryOf<S, P>;
}
