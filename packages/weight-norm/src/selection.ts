import type * as tf from '@tensorflow/tfjs-core';
import { FlatoptError, type ConfigValue } from '@flatopt/core';

/**
 * Which trained variables weight normalization reparameterizes: a RegExp over variable names,
 * a list of exact names (each must be trained), a predicate, or `{ positions }` in the list of
 * trained variables (what a predicate is saved as). Default: every variable of rank ≥ 2 (Dense
 * and Conv kernels), not biases or other vectors.
 */
export type Include =
  | RegExp
  | readonly string[]
  | ((variable: tf.Variable) => boolean)
  | { readonly positions: readonly number[] };

/**
 * tfjs-layers camel-cases every string in an optimizer config with an '_' on load (TFJS_INTERNALS
 * §1), and variable names such as 'dense_Dense1/kernel' have them, so saved strings carry '_' as
 * '%5F' ('%' itself as '%25').
 */
const escape = (s: string) => s.replace(/%/g, '%25').replace(/_/g, '%5F');
const unescape = (s: string) => s.replace(/%5F/g, '_').replace(/%25/g, '%');

/** Picks the variables `include` selects from `trained`, or says clearly why it cannot. */
export function select(
  owner: string,
  include: Include | undefined,
  trained: readonly tf.Variable[],
): tf.Variable[] {
  if (include === undefined) return trained.filter((v) => v.rank >= 2);
  if (typeof include === 'function') return trained.filter((v) => include(v));
  if ('positions' in include) {
    const bad = include.positions.find((i) => !Number.isInteger(i) || i < 0 || i >= trained.length);
    if (bad !== undefined) {
      throw new FlatoptError(
        `${owner}: option 'include' picks position ${bad}, but only ${trained.length} variables are trained.`,
      );
    }
    return include.positions.map((i) => trained[i]);
  }
  if (include instanceof RegExp) {
    const picked = trained.filter((v) => include.test(v.name));
    if (picked.length === 0) {
      throw new FlatoptError(
        `${owner}: option 'include' ${include} matches none of the ${trained.length} trained variables [${names(trained)}].`,
      );
    }
    return picked;
  }
  return include.map((name) => {
    const v = trained.find((t) => t.name === name);
    if (!v) {
      throw new FlatoptError(
        `${owner}: option 'include' names '${name}', which is not among the ${trained.length} trained variables [${names(trained)}] ` +
          `(it does not exist, is not trainable, or is not in the varList).`,
      );
    }
    return v;
  });
}

/** `include` as config; a predicate is saved as the positions it picked, once known. */
export function includeToConfig(
  owner: string,
  include: Include | undefined,
  positions: readonly number[] | null,
): ConfigValue {
  if (include === undefined) return 'kernels';
  if (typeof include !== 'function' && 'positions' in include) return { positions: [...include.positions] };
  if (include instanceof RegExp) return { pattern: escape(include.source), flags: include.flags };
  if (Array.isArray(include)) return { names: include.map(escape) };
  if (!positions) {
    throw new FlatoptError(
      `${owner}: a predicate 'include' can be saved only after the first step has picked its variables; ` +
        `pass a RegExp or a list of names to save the optimizer before training.`,
    );
  }
  return { positions: [...positions] };
}

/** Checks `include` as a user gives it or as `includeToConfig` saved it. */
export function parseInclude(owner: string, value: unknown): Include | undefined {
  if (value === undefined || value === 'kernels') return undefined;
  if (value instanceof RegExp || typeof value === 'function') return value as Include;
  if (Array.isArray(value) && value.every((n) => typeof n === 'string')) return value as string[];
  const c = (typeof value === 'object' && value !== null ? value : {}) as {
    pattern?: unknown;
    flags?: unknown;
    names?: unknown;
    positions?: unknown;
  };
  if (typeof c.pattern === 'string') return new RegExp(unescape(c.pattern), String(c.flags ?? ''));
  if (Array.isArray(c.names) && c.names.every((n) => typeof n === 'string')) return c.names.map(unescape);
  if (Array.isArray(c.positions) && c.positions.every((i) => typeof i === 'number'))
    return { positions: c.positions };
  throw new FlatoptError(
    `${owner}: option 'include' must be a RegExp over variable names, an array of variable names, or a predicate (variable) => boolean; got ${JSON.stringify(value) ?? String(value)}.`,
  );
}

const names = (vs: readonly tf.Variable[]) => vs.map((v) => `'${v.name}'`).join(', ');
