import { describe, FlatoptError } from './errors';
import { checkHyperparameter, type Hyperparameter } from './schedule';
import type { ConfigValue } from './types';
import { checkBoolean, checkNumber, checkOneOf, type Range } from './validate';

/**
 * One option of a plugin, as `definePlugin` takes it: how to check a given value, its default,
 * and whether `getConfig` saves it. `T` is the checked type; `Required` is true when there is no
 * default, so the option must be given.
 */
export interface OptionSpec<T, Required extends boolean = boolean> {
  /** Checks `value` (undefined: the default) and returns it; throws a FlatoptError naming owner, option, value and range. */
  parse(owner: string, option: string, value: unknown): T;
  readonly required: Required;
  /** Whether `getConfig` (and so `model.save`) carries it; false for callbacks. */
  readonly saved: boolean;
}

/** Settings every option kind takes. */
export interface OptionSettings<D> {
  /** The value when the option is not given. Without a default the option is required, unless `optional`. */
  readonly default?: D;
  /** No default and not required: `create` receives undefined when it is not given. */
  readonly optional?: boolean;
  /** For a required option: how to choose a value, appended to the "is required" error. */
  readonly hint?: string;
}

type Spec<T, D, O> = D extends undefined
  ? O extends true
    ? OptionSpec<T | undefined, false>
    : OptionSpec<T, true>
  : OptionSpec<T, false>;

function spec<T, D extends T | undefined, O extends boolean>(
  check: (owner: string, option: string, value: unknown) => T,
  settings: OptionSettings<D> & { optional?: O },
  saved = true,
): Spec<T, D, O> {
  const { default: fallback, optional = false, hint } = settings;
  const required = fallback === undefined && !optional;
  const s: OptionSpec<T | undefined> = {
    parse(owner, option, value) {
      if (value !== undefined) return check(owner, option, value);
      if (required)
        throw new FlatoptError(`${owner}: option '${option}' is required${hint ? `: ${hint}` : '.'}`);
      return fallback;
    },
    required,
    saved,
  };
  return s as Spec<T, D, O>;
}

type Kind<T> = <D extends T | undefined = undefined, O extends boolean = false>(
  settings?: OptionSettings<D> & { optional?: O },
) => Spec<T, D, O>;

/** The option kinds of `definePlugin`'s schema. */
export const option = {
  /** A finite number in `range`. */
  number: <D extends number | undefined = undefined, O extends boolean = false>(
    range: Range & OptionSettings<D> & { optional?: O } = {},
  ) => spec((o, k, v) => checkNumber(o, k, v, range), range),
  /** A number or a schedule over steps (constant, linear, cosine, step, join, follow), every value in `range`. */
  hyperparameter: <D extends number | undefined = undefined, O extends boolean = false>(
    range: Range & OptionSettings<D> & { optional?: O } = {},
  ) => spec<Hyperparameter, D, O>((o, k, v) => checkHyperparameter(o, k, v, range), range),
  boolean: ((settings = {}) => spec((o, k, v) => checkBoolean(o, k, v), settings)) as Kind<boolean>,
  /** One of the given strings. */
  oneOf: <const T extends string, D extends T | undefined = undefined, O extends boolean = false>(
    values: readonly T[],
    settings: OptionSettings<D> & { optional?: O } = {},
  ) => spec((o, k, v) => checkOneOf(o, k, v, values), settings),
  /**
   * Anything `check` accepts (it throws otherwise). `saved: false` for values that cannot be
   * saved with a model, such as callbacks; a saved value must be a ConfigValue.
   */
  custom: <T, D extends T | undefined = undefined, O extends boolean = false>(
    check: (owner: string, option: string, value: unknown) => T,
    settings: OptionSettings<D> & { optional?: O; saved?: boolean } = {},
  ) => spec(check, settings, settings.saved ?? true),
};

/** A plugin's options schema: option name → spec. */
export type Schema = Readonly<Record<string, OptionSpec<unknown>>>;

type ValueOf<S> = S extends OptionSpec<infer T> ? T : never;
type RequiredKeys<S extends Schema> = {
  [K in keyof S]: S[K] extends OptionSpec<unknown, true> ? K : never;
}[keyof S];

/** The options object a plugin factory takes, derived from its schema (plus `name`). */
export type OptionsOf<S extends Schema> = {
  [K in keyof S as K extends RequiredKeys<S> ? K : never]: ValueOf<S[K]>;
} & {
  [K in keyof S as K extends RequiredKeys<S> ? never : K]?: ValueOf<S[K]>;
} & {
  /** Instance name, unique within a stack (default: the plugin's type). */
  name?: string;
};

/** The checked options `create` receives: every option present, defaults filled in. */
export type Resolved<S extends Schema> = { readonly [K in keyof S]: ValueOf<S[K]> };

/** Checks `given` against `schema`: unknown keys, each value, the defaults; nothing is created before this passes. */
export function resolveOptions<S extends Schema>(owner: string, schema: S, given: unknown): Resolved<S> {
  if (given !== undefined && (given === null || typeof given !== 'object' || Array.isArray(given))) {
    throw new FlatoptError(`${owner}: options must be an object; got ${describe(given)}.`);
  }
  const values = (given ?? {}) as Record<string, unknown>;
  const allowed = [...Object.keys(schema), 'name'];
  for (const key of Object.keys(values)) {
    if (!allowed.includes(key)) {
      const list = allowed.map((a) => `'${a}'`).join(', ');
      throw new FlatoptError(`${owner}: unknown option '${key}'; allowed options are ${list}.`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(schema)) out[key] = s.parse(owner, key, values[key]);
  return out as Resolved<S>;
}

/** The saved options, for `getConfig`. */
export function savedOptions<S extends Schema>(
  schema: S,
  resolved: Resolved<S>,
): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const [key, s] of Object.entries(schema)) {
    const v = (resolved as Record<string, unknown>)[key];
    if (s.saved && v !== undefined) out[key] = v as ConfigValue;
  }
  return out;
}
