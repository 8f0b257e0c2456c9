import * as tf from '@tensorflow/tfjs-core';
import { describe, FlatoptError } from './errors';
import type { PluginState } from './plugin-state';
import type { ApplyTarget } from './step';
import type { Grads, Plugin, VariableRole } from './types';

/**
 * What changed in the variable list, in terms a user can act on: only the variables that came or
 * went (or the order), and, without a varList, why unnamed ones appear: tfjs optimizers make
 * trainable scalar variables for their own state (Adam: β₁ᵗ and β₂ᵗ), named by a number, which a
 * default list (every trainable variable) picks up once another optimizer exists.
 */
function changedError(fixed: readonly tf.Variable[], now: readonly tf.Variable[], implicit: boolean): string {
  const added = now.filter((v) => !fixed.includes(v));
  const removed = fixed.filter((v) => !now.includes(v));
  const what =
    added.length + removed.length === 0
      ? 'the same variables came in another order'
      : [
          added.length ? `${added.length} new (${names(added)})` : '',
          removed.length ? `${removed.length} gone (${names(removed)})` : '',
        ]
          .filter(Boolean)
          .join(', ');
  const unnamed = implicit && [...added, ...removed].some((v) => /^\d+$/.test(v.name));
  return (
    `withPlugins: the variables changed between steps: ${what}. The wrapped optimizer's state is positional, so the same variables ` +
    `must come in the same order every step. ` +
    (unnamed
      ? `No varList was given, so every trainable variable counts, and variables named only by a number are unnamed ones: often another ` +
        `tfjs optimizer's own state (Adam makes two trainable scalars). `
      : '') +
    `Pass an explicit varList (for a tfjs-layers model: model.trainableWeights.map((w) => w.read() as tf.Variable)), or use a new ` +
    `optimizer for a new set. Nothing was applied.`
  );
}

/** `'a', 'b'` for error messages. */
export function names(items: ReadonlyArray<{ name: string }>): string {
  return items.map((x) => `'${x.name}'`).join(', ');
}

/**
 * Which variables a PluggedOptimizer trains and in what order. tfjs optimizer state is
 * positional (TFJS_INTERNALS §1), so the list is fixed by the first step (when the plugins'
 * `init` runs) and every later step must bring the same variables in the same order. The apply
 * stage's layout — the trained variables followed by the plugins' reparameterization
 * parameters, with the derived variables left out of the wrapped optimizer's update — is fixed by
 * the first applied step.
 */
export class VariableLayout {
  /** The list the plugins' `init` ran for (fixed from then on). */
  private initialized: readonly tf.Variable[] | null = null;
  /** The apply stage's list and the wrapped optimizer's view of it. */
  private target: ApplyTarget | null = null;

  constructor(
    private readonly plugins: readonly Plugin[],
    private readonly states: readonly PluginState[],
  ) {}

  /** The trained variables once fixed, else null. */
  get fixed(): readonly tf.Variable[] | null {
    return this.initialized;
  }

  /** `varList`, or every trainable variable; checked against the fixed list; runs `init` at the first step. */
  resolve(varList: tf.Variable[] | undefined): readonly tf.Variable[] {
    const variables = varList ?? Object.values(tf.engine().registeredVariables).filter((v) => v.trainable);
    if (!Array.isArray(variables) || variables.length === 0) {
      throw new FlatoptError(
        `withPlugins: there are no variables to train (varList ${varList ? 'is empty' : 'not given and no trainable variable exists'}).`,
      );
    }
    variables.forEach((v, i) => {
      if (!(v instanceof tf.Variable)) {
        throw new FlatoptError(`withPlugins: varList[${i}] must be a tf.Variable; got ${describe(v)}.`);
      }
    });
    const fixed = this.initialized;
    if (fixed && (fixed.length !== variables.length || fixed.some((v, i) => v !== variables[i]))) {
      throw new FlatoptError(changedError(fixed, variables, varList === undefined));
    }
    if (!fixed) {
      for (const state of this.states) state.init(variables);
      this.initialized = variables;
    }
    return variables;
  }

  /** Registered variables by name, for `applyGradients` before any step fixed the list. */
  byName(names: string[]): tf.Variable[] {
    const registered = tf.engine().registeredVariables;
    return names.map((name) => {
      const v = registered[name];
      if (!v) throw new FlatoptError(`applyGradients: no variable named '${name}' is registered.`);
      return v;
    });
  }

  /**
   * The apply stage's layout, made on the first applied step: the trained variables followed by
   * the plugins' reparameterization parameters, of which the wrapped optimizer (`inner`)
   * receives all but the derived variables, always in the same order.
   */
  applyTarget(variables: readonly tf.Variable[], inner: tf.Optimizer): ApplyTarget {
    if (this.target) return this.target;
    const derived = new Set<tf.Variable>();
    const all = [...variables];
    for (const plugin of this.plugins) {
      const r = plugin.reparameterize?.(variables);
      if (!r) continue;
      for (const v of r.derived) {
        if (!variables.includes(v) || derived.has(v)) {
          throw new FlatoptError(
            `${plugin.name}.reparameterize: derived variable ${describe(v?.name)} must be one of the trained variables and derived by one plugin only.`,
          );
        }
        derived.add(v);
      }
      for (const p of r.parameters) {
        if (!(p instanceof tf.Variable) || all.includes(p)) {
          throw new FlatoptError(
            `${plugin.name}.reparameterize: parameters must be new tf.Variables, not trained ones; got ${describe(p?.name ?? p)}.`,
          );
        }
        all.push(p);
      }
    }
    for (const [k, state] of this.states.entries()) {
      for (const p of state.parametrized) {
        if (derived.has(p.w)) {
          throw new FlatoptError(
            `${this.plugins[k].name}: parametrized variable ${describe(p.w.name)} is already derived by another plugin.`,
          );
        }
        derived.add(p.w);
        all.push(...p.params);
      }
    }
    const parametrized = this.states.flatMap((state) =>
      state.parametrized.map((p) => ({
        ...p,
        at: all.indexOf(p.w),
        paramsAt: p.params.map((q) => all.indexOf(q)),
      })),
    );
    const innerIndices = all.flatMap((v, i) => (derived.has(v) ? [] : [i]));
    const applyInner = (grads: Grads) =>
      inner.applyGradients(innerIndices.map((i) => ({ name: all[i].name, tensor: grads[i] as tf.Tensor })));
    const roles = all.map((v, i): VariableRole =>
      i >= variables.length ? 'parameter' : derived.has(v) ? 'derived' : 'trained',
    );
    this.target = {
      variables: all.length === variables.length ? variables : all,
      roles,
      parametrized,
      applyInner,
    };
    return this.target;
  }
}
