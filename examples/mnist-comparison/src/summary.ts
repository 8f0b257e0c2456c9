import type { Method } from './methods';
import { meanSd, type MeanSd } from './stats';
import { pairedComparison, type Comparison } from '@flatopt/example-utils';
import type { MethodTiming, Timing } from './timing';
import type { CurvePoint, EvaluationsPerStep, RunResult } from './train';

/** One method over all its seeds: what the table, the charts and the JSON show. */
export interface MethodSummary {
  readonly method: string;
  readonly label: string;
  readonly testAccuracy: MeanSd;
  readonly bestTestAccuracy: MeanSd;
  /** With label noise: the share of changed labels the model reproduces (see `RunResult.memorized`). */
  readonly memorized?: MeanSd;
  /** Means over seeds of λ_max and R_IG at the end. */
  readonly topEigenvalue: MeanSd;
  readonly rIg: MeanSd;
  /** Final test accuracy against Adam's on the same seeds (absent for Adam, or without Adam). */
  readonly vsAdam?: Comparison;
  /** Mean over seeds of the loss on the whole training split after training. */
  readonly finalTrainLoss: number;
  readonly evaluationsPerStep: EvaluationsPerStep;
  /** The learning curve averaged over seeds, point by point, with the test accuracy's sd over seeds. */
  readonly curve: SummaryPoint[];
  readonly timing?: MethodTiming;
  readonly floodAscentFraction?: number;
}

const average = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** A learning-curve point averaged over seeds. */
export interface SummaryPoint extends CurvePoint {
  /** Sample sd over seeds of the test accuracy at this step (0 for one seed). */
  readonly testAccuracySd: number;
}

/** Averages `runs` point by point (every run of a method has the same curve steps). */
export function meanCurve(runs: readonly RunResult[]): SummaryPoint[] {
  return runs[0].curve.map((point, i) => {
    const accuracy = meanSd(runs.map((r) => r.curve[i].testAccuracy));
    return {
      step: point.step,
      trainLoss: average(runs.map((r) => r.curve[i].trainLoss)),
      testAccuracy: accuracy.mean,
      testAccuracySd: accuracy.sd,
    };
  });
}

/** One summary per method that has runs, in the order of `methods`. */
export function summarize(
  methods: readonly Method[],
  runs: readonly RunResult[],
  timing?: Timing,
): MethodSummary[] {
  return methods.flatMap((method) => {
    const own = runs.filter((r) => r.method === method.key);
    if (own.length === 0) return [];
    const flood = own.map((r) => r.floodAscentFraction).filter((f): f is number => f !== undefined);
    const methodTiming = timing?.methods.find((t) => t.method === method.key);
    const memorized = own.map((r) => r.memorized).filter((m): m is number => m !== undefined);
    const vsAdam = compareWithAdam(method.key, own, runs);
    return [
      {
        method: method.key,
        label: method.label,
        testAccuracy: meanSd(own.map((r) => r.testAccuracy)),
        bestTestAccuracy: meanSd(own.map((r) => r.bestTestAccuracy)),
        ...(memorized.length > 0 ? { memorized: meanSd(memorized) } : {}),
        topEigenvalue: meanSd(own.map((r) => r.sharpness.topEigenvalue)),
        rIg: meanSd(own.map((r) => r.sharpness.rIg)),
        ...(vsAdam ? { vsAdam } : {}),
        finalTrainLoss: average(own.map((r) => r.finalTrainLoss)),
        evaluationsPerStep: {
          gradient: average(own.map((r) => r.evaluationsPerStep.gradient)),
          doubleBackprop: average(own.map((r) => r.evaluationsPerStep.doubleBackprop)),
        },
        curve: meanCurve(own),
        ...(methodTiming ? { timing: methodTiming } : {}),
        ...(flood.length > 0 ? { floodAscentFraction: average(flood) } : {}),
      },
    ];
  });
}

/** The paired test of `own` runs against Adam's, over the seeds both have. */
function compareWithAdam(
  key: string,
  own: readonly RunResult[],
  runs: readonly RunResult[],
): Comparison | undefined {
  if (key === 'adam') return undefined;
  const adam = new Map(runs.filter((r) => r.method === 'adam').map((r) => [r.seed, r.testAccuracy]));
  const paired = own.filter((r) => adam.has(r.seed));
  if (paired.length === 0) return undefined;
  return pairedComparison(
    paired.map((r) => r.testAccuracy),
    paired.map((r) => adam.get(r.seed)!),
  );
}
