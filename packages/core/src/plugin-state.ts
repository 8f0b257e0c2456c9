import * as tf from '@tensorflow/tfjs-core';
import { describe, FlatoptError } from './errors';
import type { InitContext, NamedTensor, Parametrization, Plugin, SlotOptions } from './types';

/** A slot's variables: one per trained variable (null where the plugin keeps none), or a single one. */
interface Slot {
  readonly variables: ReadonlyArray<tf.Variable | null>;
  /** Per-variable slots are saved as `<slot><i>`, single ones as `<slot>`. */
  readonly perVariable: boolean;
  readonly saved: boolean;
}

/** A trained variable w that core recomputes as forward(params) (see `InitContext.parametrize`). */
export interface Parametrized {
  readonly w: tf.Variable;
  readonly params: readonly tf.Variable[];
  readonly forward: Parametrization['forward'];
  /** ∂L/∂params from ∂L/∂w: the parametrization's own pullback, or autodiff through `forward`. */
  readonly pullback: NonNullable<Parametrization['pullback']>;
}

/** Slot names end in a letter, so `<slot><i>` parses back unambiguously; no '_' (tfjs-layers rewrites it). */
const SLOT_NAME = /^[A-Za-z][A-Za-z0-9]*[A-Za-z]$|^[A-Za-z]$/;

let instances = 0;

/**
 * The state core keeps for one plugin (see {@link InitContext}): created in the plugin's `init`,
 * named, non-trainable, saved and restored with the optimizer, disposed with it. Restored
 * weights that arrive before `init` (setWeights right after `tf.loadLayersModel`, before any
 * step) are held as copies and written into the slots as soon as they exist.
 */
export class PluginState {
  private readonly slots = new Map<string, Slot>();
  /** What `init` parametrized, in the order it did. */
  readonly parametrized: Parametrized[] = [];
  /** Slots holding parametrization parameters (shared by every variable the plugin parametrizes). */
  private readonly parameterSlots = new Set<string>();
  private pending: NamedTensor[] = [];
  private initialized = false;
  private readonly id = ++instances;

  constructor(private readonly plugin: Plugin) {}

  /** Runs the plugin's `init` once for the fixed variable list, then applies held restored weights. */
  init(variables: readonly tf.Variable[]): void {
    if (this.initialized) return;
    try {
      this.plugin.init?.(this.context(variables));
      this.initialized = true;
      this.restore(this.pending);
    } catch (e) {
      this.disposeSlots(); // a failed init leaves nothing behind, and runs again next step
      throw e;
    } finally {
      tf.dispose(this.pending.map((w) => w.tensor));
      this.pending = [];
    }
  }

  /** Whether the plugin keeps state through core (then core saves and restores it). */
  get managed(): boolean {
    return this.slots.size > 0 || this.pending.length > 0;
  }

  /** Saved state, named `<slot><i>` / `<slot>`; before init, the held restored weights. */
  weights(): NamedTensor[] {
    if (!this.initialized) return [...this.pending];
    const out: NamedTensor[] = [];
    for (const [name, slot] of this.slots) {
      if (!slot.saved) continue;
      slot.variables.forEach(
        (v, i) => v && out.push({ name: slot.perVariable ? `${name}${i}` : name, tensor: v }),
      );
    }
    return out;
  }

  /** Restores saved state; before init, keeps copies until the slots exist. */
  setWeights(weights: readonly NamedTensor[]): void {
    if (!this.initialized) {
      tf.dispose(this.pending.map((w) => w.tensor));
      this.pending = weights.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
      return;
    }
    this.restore(weights);
  }

  dispose(): void {
    this.disposeSlots();
    tf.dispose(this.pending.map((w) => w.tensor));
    this.pending = [];
    this.initialized = false;
  }

  private disposeSlots(): void {
    for (const slot of this.slots.values())
      tf.dispose(slot.variables.filter((v): v is tf.Variable => v !== null));
    this.slots.clear();
  }

  /** Checks every weight against its slot first, so a bad list changes nothing. */
  private restore(weights: readonly NamedTensor[]): void {
    const targets = weights.map((w) => [this.slotVariable(w.name), w.tensor] as const);
    targets.forEach(([v, t], k) => {
      if (!tf.util.arraysEqual(v.shape, t.shape) || v.dtype !== t.dtype) {
        throw new FlatoptError(
          `${this.plugin.name}: setWeights got '${weights[k].name}' of shape [${t.shape}] (${t.dtype}); its state has shape [${v.shape}] (${v.dtype}). Nothing was restored.`,
        );
      }
    });
    for (const [v, t] of targets) v.assign(t);
    if (weights.length === 0) return;
    // The parameters are the truth; the trained variables follow them.
    for (const p of this.parametrized) tf.tidy(() => p.w.assign(p.forward(p.params)));
    this.plugin.restored?.(weights.map((w) => w.name));
  }

  private slotVariable(weight: string): tf.Variable {
    const m = /^(.*?)(\d*)$/.exec(weight)!;
    const slot = this.slots.get(m[1]);
    const v =
      slot &&
      (slot.perVariable ? (m[2] ? slot.variables[Number(m[2])] : undefined) : !m[2] && slot.variables[0]);
    if (!slot?.saved || !v) {
      const known = [...this.slots]
        .filter(([, s]) => s.saved)
        .map(([n, s]) => (s.perVariable ? `${n}<i>` : n));
      throw new FlatoptError(
        `${this.plugin.name}: setWeights got an unknown weight '${weight}' (its state: ${known.join(', ') || 'none'}). Nothing was restored.`,
      );
    }
    return v;
  }

  private add(
    name: string,
    variables: ReadonlyArray<tf.Variable | null>,
    perVariable: boolean,
    options: SlotOptions,
  ) {
    this.slots.set(name, { variables, perVariable, saved: options.saved ?? true });
  }

  private checkName(name: string): void {
    if (typeof name !== 'string' || !SLOT_NAME.test(name) || this.slots.has(name)) {
      throw new FlatoptError(
        `${this.plugin.name}.init: a state slot needs a new name of letters and digits that starts and ends with a letter; got ${describe(name)}${this.slots.has(name) ? ' (already used)' : ''}.`,
      );
    }
  }

  /**
   * A non-trainable variable holding what `make` returns. The value is cloned first: `make` may
   * return a trained variable itself (an average starts at the weights), which must not be freed.
   */
  private variable(make: () => tf.Tensor | null, slot: string, index?: number): tf.Variable | null {
    const [value] = tf.tidy(() => {
      const t = make();
      return t ? [tf.clone(t)] : [];
    });
    if (!value) return null;
    // tfjs variable names are global; saved names come from the slot, not from this one.
    // Not `flatopt/…`: that prefix marks plugin state in getWeights, and a wrapped optimizer names its
    // own slots after the variables it trains (Adam: `<name>/m`), which these can be (weight norm's g, v).
    const v = tf.variable(value, false, `flatopt-state/${this.plugin.name}-${this.id}/${slot}${index ?? ''}`);
    value.dispose();
    return v;
  }

  /** The parameters of w, as per-variable slots `<name>` (shared by every w the plugin parametrizes). */
  private parametrize(variables: readonly tf.Variable[], w: tf.Variable, p: Parametrization): tf.Variable[] {
    const index = variables.indexOf(w);
    const owner = `${this.plugin.name}.init: parametrize`;
    if (index < 0 || this.parametrized.some((q) => q.w === w)) {
      throw new FlatoptError(`${owner}: ${describe(w?.name)} must be a trained variable, parametrized once.`);
    }
    const values = tf.tidy(() => p.rightInverse(w));
    try {
      if (!Array.isArray(values) || values.length !== p.names.length) {
        throw new FlatoptError(
          `${owner}: rightInverse must return ${p.names.length} tensors (${p.names.join(', ')}).`,
        );
      }
      const params = p.names.map((name, k) => {
        const slot = this.parameterSlots.has(name)
          ? this.slots.get(name)!
          : this.newParameterSlot(name, variables.length);
        const made = this.variable(() => values[k], name, index)!;
        (slot.variables as Array<tf.Variable | null>)[index] = made;
        return made;
      });
      const pullback =
        p.pullback?.bind(p) ??
        ((ps: readonly tf.Tensor[], gw: tf.Tensor) =>
          tf.grads((...xs: tf.Tensor[]) => p.forward(xs))([...ps], gw));
      this.parametrized.push({ w, params, forward: p.forward.bind(p), pullback });
      return params;
    } finally {
      tf.dispose(values);
    }
  }

  private newParameterSlot(name: string, length: number): Slot {
    this.checkName(name);
    this.parameterSlots.add(name);
    const slot: Slot = {
      variables: new Array<tf.Variable | null>(length).fill(null),
      perVariable: true,
      saved: true,
    };
    this.slots.set(name, slot);
    return slot;
  }

  private context(variables: readonly tf.Variable[]): InitContext {
    return {
      variables,
      perVariable: (name, initial, options = {}) => {
        this.checkName(name);
        const made = variables.map((v, i) => this.variable(() => initial(v, i), name, i));
        this.add(name, made, true, options);
        return made;
      },
      parametrize: (w, parametrization) => this.parametrize(variables, w, parametrization),
      single: (name, initial, options = {}) => {
        this.checkName(name);
        const made = this.variable(initial, name)!;
        this.add(name, [made], false, options);
        return made;
      },
    };
  }
}
