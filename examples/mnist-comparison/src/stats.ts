import { mean } from '@flatopt/bench/stats';

export interface MeanSd {
  readonly mean: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for a single value. */
  readonly sd: number;
  readonly n: number;
}

export function meanSd(values: readonly number[]): MeanSd {
  const m = mean(values);
  const n = values.length;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (n - 1)) : 0;
  return { mean: m, sd, n };
}

/** "96.4 ± 0.3" for fractions shown as percentages with `digits` decimals. */
export function formatPercent({ mean, sd }: MeanSd, digits = 1): string {
  return `${(100 * mean).toFixed(digits)} ± ${(100 * sd).toFixed(digits)}`;
}

/**
 * Evaluations per step: "2"; "1 + 1 DB" when the step also made a double-backprop evaluation;
 * "1 DB" when that was all it made (double-backprop GR), as the root README's tables write it.
 */
export function formatEvaluations(gradient: number, doubleBackprop: number): string {
  const g = Number.isInteger(gradient) ? String(gradient) : gradient.toFixed(2);
  if (doubleBackprop === 0) return g;
  const d = Number.isInteger(doubleBackprop) ? String(doubleBackprop) : doubleBackprop.toFixed(2);
  return gradient === 0 ? `${d} DB` : `${g} + ${d} DB`;
}

/** "2.04×" */
export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

/** Whole seconds as "2m05s", or "42s" under a minute. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
