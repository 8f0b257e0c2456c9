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
  | { readonly schedule: 'step'; readonly values: readonly number[]; readonly boundaries: readonly number[] };

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
    case 'step': {
      let i = 0;
      while (i < h.boundaries.length && iteration >= h.boundaries[i]) i++;
      return h.values[i];
    }
  }
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
    default:
      throw new FlatoptError(
        `schedule: 'schedule' must be one of 'constant', 'linear', 'cosine', 'step'; got ${describe(c.schedule)}.`,
      );
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
      `${owner}: option '${option}' must be ${describeRange(range)} or a schedule (constant, linear, cosine, step); got ${describe(value)}.`,
    );
  }
  const schedule = scheduleFromConfig(value);
  if (
    range.integer &&
    (schedule.schedule === 'linear' || schedule.schedule === 'cosine') &&
    schedule.from !== schedule.to
  ) {
    throw new FlatoptError(
      `${owner}: option '${option}' must be ${describeRange(range)}; a '${schedule.schedule}' schedule from ${schedule.from} to ${schedule.to} takes non-integer values (use a 'step' schedule).`,
    );
  }
  // Ramps are monotone, so their ends bound them; a step schedule takes exactly its values.
  const reached = schedule.schedule === 'step' ? schedule.values : bounds(schedule);
  for (const v of reached) {
    if (!inRange(v, range)) {
      throw new FlatoptError(
        `${owner}: option '${option}' is a '${schedule.schedule}' schedule that reaches ${v}; every value must be ${describeRange(range)}.`,
      );
    }
  }
  return schedule;
}
