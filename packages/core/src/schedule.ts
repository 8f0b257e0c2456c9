import { describe, FlatoptError } from './errors';
import { checkKnownKeys, checkNumber, describeRange, inRange, type Range } from './validate';

/**
 * Serializable schedules for any hyperparameter. A schedule is a plain object (so it survives
 * `getConfig` → JSON → `model.save` → `tf.loadLayersModel` unchanged) evaluated at the wrapped
 * optimizer's iteration count, in the spirit of optax's `inject_hyperparams`.
 */
export type Schedule =
  | { readonly schedule: 'constant'; readonly value: number }
  | {
      readonly schedule: 'linear' | 'cosine';
      readonly from: number;
      readonly to: number;
      readonly steps: number;
      readonly start: number;
    }
  | { readonly schedule: 'step'; readonly values: readonly number[]; readonly boundaries: readonly number[] }
  | {
      readonly schedule: 'join';
      readonly schedules: readonly Schedule[];
      readonly boundaries: readonly number[];
    }
  | { readonly schedule: 'follow'; readonly source: Schedule; readonly min: number; readonly max: number };

/** A hyperparameter is a number or a schedule of numbers. */
export type Hyperparameter = number | Schedule;

/** Always `value`. */
export function constant(value: number): Schedule {
  checkNumber('constant', 'value', value);
  return { schedule: 'constant', value };
}

export interface RampOptions {
  /** Value at iteration `start` and before. */
  from: number;
  /** Value at iteration `start + steps` and after. */
  to: number;
  /** Length of the ramp in iterations (≥ 1). */
  steps: number;
  /** First iteration of the ramp (default 0). */
  start?: number;
}

function ramp(kind: 'linear' | 'cosine', options: RampOptions): Schedule {
  checkKnownKeys(kind, options, ['from', 'to', 'steps', 'start']);
  const from = checkNumber(kind, 'from', options.from);
  const to = checkNumber(kind, 'to', options.to);
  const steps = checkNumber(kind, 'steps', options.steps, { min: 1, integer: true });
  const start = checkNumber(kind, 'start', options.start ?? 0, { min: 0, integer: true });
  return { schedule: kind, from, to, steps, start };
}

/** Linear interpolation from `from` to `to` over `steps` iterations starting at `start`. */
export function linear(options: RampOptions): Schedule {
  return ramp('linear', options);
}

/** Cosine annealing: `to + (from − to)·(1 + cos(π·t))/2`, t = progress in [0, 1]. */
export function cosine(options: RampOptions): Schedule {
  return ramp('cosine', options);
}

/**
 * Piecewise constant: `values[0]` before `boundaries[0]`, `values[i]` from `boundaries[i-1]` on.
 * `values.length` must be `boundaries.length + 1`, boundaries strictly increasing integers ≥ 1.
 */
export function step(options: { values: readonly number[]; boundaries: readonly number[] }): Schedule {
  checkKnownKeys('step', options, ['values', 'boundaries']);
  const { values, boundaries } = options;
  if (!Array.isArray(values) || !Array.isArray(boundaries) || values.length !== boundaries.length + 1) {
    throw new FlatoptError(
      `step: 'values' must be an array one longer than 'boundaries'; got ${describe(values)} and ${describe(boundaries)}.`,
    );
  }
  values.forEach((v, i) => checkNumber('step', `values[${i}]`, v));
  boundaries.forEach((b, i) =>
    checkNumber('step', `boundaries[${i}]`, b, { min: i === 0 ? 1 : boundaries[i - 1] + 1, integer: true }),
  );
  return { schedule: 'step', values: [...values], boundaries: [...boundaries] };
}

/** Checks `boundaries`: strictly increasing integers ≥ 1, one fewer than the pieces. */
function checkBoundaries(owner: string, boundaries: unknown, pieces: unknown, what: string): void {
  if (!Array.isArray(pieces) || !Array.isArray(boundaries) || pieces.length !== boundaries.length + 1) {
    throw new FlatoptError(
      `${owner}: '${what}' must be an array one longer than 'boundaries'; got ${describe(pieces)} and ${describe(boundaries)}.`,
    );
  }
  boundaries.forEach((b, i) =>
    checkNumber(owner, `boundaries[${i}]`, b, { min: i === 0 ? 1 : boundaries[i - 1] + 1, integer: true }),
  );
}

/**
 * Schedules one after another (optax's `join_schedules`): `schedules[0]` before `boundaries[0]`,
 * then `schedules[i]` from `boundaries[i-1]` on, evaluated at `iteration − boundaries[i-1]` (each
 * piece counts its own steps from 0).
 */
export function join(options: { schedules: readonly Schedule[]; boundaries: readonly number[] }): Schedule {
  checkKnownKeys('join', options, ['schedules', 'boundaries']);
  checkBoundaries('join', options.boundaries, options.schedules, 'schedules');
  const schedules = options.schedules.map((x) => scheduleFromConfig(x));
  return { schedule: 'join', schedules, boundaries: [...options.boundaries] };
}

export interface WarmupCosineOptions {
  /** The value at the end of the warm-up, where the cosine starts. */
  peak: number;
  /** Warm-up length in iterations (integer ≥ 0; 0: no warm-up). */
  warmup: number;
  /** Iteration where the cosine reaches `final` (integer > `warmup`); the value stays `final` after. */
  total: number;
  /** The value at iteration 0, where the warm-up starts (default 0). */
  initial?: number;
  /** The value at `total` and after (default 0). */
  final?: number;
}

/**
 * Linear warm-up from `initial` to `peak` over `warmup` iterations, then cosine decay from `peak`
 * to `final` at `total` (optax's `warmup_cosine_decay_schedule`; Loshchilov & Hutter's SGDR
 * without restarts, after Goyal et al.'s warm-up): the learning-rate schedule of most modern
 * recipes.
 */
export function warmupCosine(options: WarmupCosineOptions): Schedule {
  checkKnownKeys('warmupCosine', options, ['peak', 'warmup', 'total', 'initial', 'final']);
  const peak = checkNumber('warmupCosine', 'peak', options.peak);
  const warmup = checkNumber('warmupCosine', 'warmup', options.warmup, { min: 0, integer: true });
  const total = checkNumber('warmupCosine', 'total', options.total, {
    min: warmup + 1,
    integer: true,
  });
  const initial = checkNumber('warmupCosine', 'initial', options.initial ?? 0);
  const final = checkNumber('warmupCosine', 'final', options.final ?? 0);
  const decay = cosine({ from: peak, to: final, steps: total - warmup });
  if (warmup === 0) return decay;
  const ramp = linear({ from: initial, to: peak, steps: warmup });
  return join({ schedules: [ramp, decay], boundaries: [warmup] });
}

/**
 * A schedule that follows another, mapped linearly from the source's range onto [min, max]:
 * `min + (max − min)·(s − s_min)/(s_max − s_min)`, with s the source's value and [s_min, s_max]
 * every value the source takes (`max` when the source is constant). GSAM (Zhuang et al. 2022)
 * ties ρ to the learning rate this way, ρ_t = ρ_min + (ρ_max − ρ_min)·(η_t − η_min)/(η_max − η_min):
 * `follow(lrSchedule, { min: rhoMin, max: rhoMax })`.
 */
export function follow(source: Schedule, options: { min: number; max: number }): Schedule {
  checkKnownKeys('follow', options, ['min', 'max']);
  const min = checkNumber('follow', 'min', options.min);
  const max = checkNumber('follow', 'max', options.max);
  return { schedule: 'follow', source: scheduleFromConfig(source), min, max };
}

const KINDS = "'constant', 'linear', 'cosine', 'step', 'join', 'follow'";

function isSchedule(value: unknown): value is Schedule {
  return typeof value === 'object' && value !== null && 'schedule' in value;
}

/** The value of a hyperparameter at `iteration` (0 for the first step). */
export function valueAt(h: Hyperparameter, iteration: number): number {
  if (typeof h === 'number') return h;
  switch (h.schedule) {
    case 'constant':
      return h.value;
    case 'linear':
    case 'cosine': {
      const t = (iteration - h.start) / h.steps;
      // The ends are returned exactly: from + (to − from)·1 can miss `to` by an ulp, and a
      // validated range must hold for every value the schedule produces.
      if (t <= 0) return h.from;
      if (t >= 1) return h.to;
      const w = h.schedule === 'linear' ? t : (1 - Math.cos(Math.PI * t)) / 2;
      return h.from + (h.to - h.from) * w;
    }
    case 'step':
      return h.values[piece(h.boundaries, iteration)];
    case 'join': {
      const i = piece(h.boundaries, iteration);
      return valueAt(h.schedules[i], iteration - (i === 0 ? 0 : h.boundaries[i - 1]));
    }
    case 'follow': {
      const [lo, hi] = bounds(h.source);
      if (hi === lo) return h.max;
      const w = (valueAt(h.source, iteration) - lo) / (hi - lo);
      // The ends exactly, as for ramps: a validated range must hold for every value.
      if (w <= 0) return h.min;
      if (w >= 1) return h.max;
      return h.min + (h.max - h.min) * w;
    }
  }
}

/** The index of the piece `iteration` falls in, given the pieces' boundaries. */
function piece(boundaries: readonly number[], iteration: number): number {
  let i = 0;
  while (i < boundaries.length && iteration >= boundaries[i]) i++;
  return i;
}

/** Every value a hyperparameter can take lies in [min, max] (ramps are monotone). */
export function bounds(h: Hyperparameter): [number, number] {
  if (typeof h === 'number') return [h, h];
  switch (h.schedule) {
    case 'constant':
      return [h.value, h.value];
    case 'linear':
    case 'cosine':
      return [Math.min(h.from, h.to), Math.max(h.from, h.to)];
    case 'step':
      return [Math.min(...h.values), Math.max(...h.values)];
    case 'join': {
      const parts = h.schedules.map(bounds);
      return [Math.min(...parts.map((b) => b[0])), Math.max(...parts.map((b) => b[1]))];
    }
    case 'follow':
      return [Math.min(h.min, h.max), Math.max(h.min, h.max)];
  }
}

/** Every value a schedule takes, as far as range checks need: the exact set for steps, the ends of monotone pieces. */
function reached(h: Schedule): number[] {
  switch (h.schedule) {
    case 'step':
      return [...h.values];
    case 'join':
      return h.schedules.flatMap(reached);
    default:
      return bounds(h);
  }
}

/** Whether a schedule takes only the values `reached` lists (no ramp between two of them). */
function piecewiseConstant(h: Schedule): boolean {
  switch (h.schedule) {
    case 'constant':
    case 'step':
      return true;
    case 'linear':
    case 'cosine':
      return h.from === h.to;
    case 'join':
      return h.schedules.every(piecewiseConstant);
    case 'follow':
      return h.min === h.max || piecewiseConstant(h.source);
  }
}

/** Rebuilds (and so re-validates) a schedule from its config, e.g. after `tf.loadLayersModel`. */
export function scheduleFromConfig(config: unknown): Schedule {
  if (!isSchedule(config))
    throw new FlatoptError(`schedule: expected a schedule config; got ${describe(config)}.`);
  const c = config as unknown as Record<string, unknown>;
  switch (c.schedule) {
    case 'constant':
      return constant(c.value as number);
    case 'linear':
    case 'cosine':
      return ramp(c.schedule, { from: c.from, to: c.to, steps: c.steps, start: c.start } as RampOptions);
    case 'step':
      return step({ values: c.values as number[], boundaries: c.boundaries as number[] });
    case 'join':
      return join({ schedules: c.schedules as Schedule[], boundaries: c.boundaries as number[] });
    case 'follow':
      return follow(c.source as Schedule, { min: c.min as number, max: c.max as number });
    default:
      throw new FlatoptError(`schedule: 'schedule' must be one of ${KINDS}; got ${describe(c.schedule)}.`);
  }
}

/**
 * Validates a hyperparameter option (a number or a schedule) against `range` over every value it
 * can take, so that e.g. an epsilon schedule that reaches 0 is refused at construction.
 */
export function checkHyperparameter(
  owner: string,
  option: string,
  value: unknown,
  range: Range = {},
): Hyperparameter {
  if (typeof value === 'number') return checkNumber(owner, option, value, range);
  if (!isSchedule(value)) {
    throw new FlatoptError(
      `${owner}: option '${option}' must be ${describeRange(range)} or a schedule (${KINDS.replace(/'/g, '')}); got ${describe(value)}.`,
    );
  }
  const schedule = scheduleFromConfig(value);
  if (range.integer && !piecewiseConstant(schedule)) {
    throw new FlatoptError(
      `${owner}: option '${option}' must be ${describeRange(range)}; a '${schedule.schedule}' schedule ${'from' in schedule ? `from ${schedule.from} to ${schedule.to}` : 'that ramps between values'} takes non-integer values (use a 'step' schedule).`,
    );
  }
  // Ramps are monotone, so their ends bound them; a step schedule takes exactly its values.
  for (const v of reached(schedule)) {
    if (!inRange(v, range)) {
      throw new FlatoptError(
        `${owner}: option '${option}' is a '${schedule.schedule}' schedule that reaches ${v}; every value must be ${describeRange(range)}.`,
      );
    }
  }
  return schedule;
}
