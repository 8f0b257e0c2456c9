import type { Config } from './config';
import { describeConfig } from './describe';
import type { Method } from './methods';
import type { MethodSummary } from './summary';
import type { Timing } from './timing';
import type { RunResult } from './train';

/** Everything one comparison produced. */
export interface Report {
  /** ISO date-time of the run. */
  readonly date: string;
  /** The tfjs backend that ran: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  readonly backend: string;
  readonly config: Config;
  readonly methods: readonly Method[];
  readonly runs: readonly RunResult[];
  readonly timing: Timing;
  readonly summaries: readonly MethodSummary[];
  readonly seconds: number;
}

/** The backend as users know it: tfjs-node for tfjs' 'tensorflow' backend. */
export function backendLabel(backend: string): string {
  return backend === 'tensorflow' ? 'tfjs-node' : backend;
}

/** "1 seed", "3 seeds". */
export function seeds(n: number): string {
  return `${n} seed${n === 1 ? '' : 's'}`;
}

/** The compact per-method summary (what scripts/readme-results.mjs reads into the root README). */
function summaryJson(report: Report) {
  return {
    description: `${describeConfig(report.config, true)}; ${seeds(report.config.seeds)}.`,
    methods: report.summaries.map((s) => ({
      key: s.method,
      label: s.label,
      accuracy: { mean: s.testAccuracy.mean, sd: s.testAccuracy.sd, seeds: s.testAccuracy.n },
      bestAccuracy: { mean: s.bestTestAccuracy.mean, sd: s.bestTestAccuracy.sd },
      ...(s.memorized ? { memorized: { mean: s.memorized.mean, sd: s.memorized.sd } } : {}),
      topEigenvalue: s.topEigenvalue.mean,
      rIg: s.rIg.mean,
      ...(s.vsAdam ? { vsAdam: s.vsAdam } : {}),
      finalLoss: s.finalTrainLoss,
      gradientEvaluations: s.evaluationsPerStep.gradient,
      doubleBackpropEvaluations: s.evaluationsPerStep.doubleBackprop,
      relativeStepTime: s.timing?.ratio ?? null,
    })),
  };
}

/** Per method: its paper and hyperparameters, its timing, and every seed's run with its learning curve. */
function methodsJson(report: Report) {
  return report.summaries.map((s) => {
    const method = report.methods.find((m) => m.key === s.method)!;
    return {
      key: s.method,
      label: s.label,
      paper: method.paper,
      hyperparameters: method.settings(report.config.hyperparameters),
      ...(s.timing
        ? {
            stepTime: {
              ratio: s.timing.ratio,
              q1: s.timing.q1,
              q3: s.timing.q3,
              medianMs: s.timing.medianMs,
            },
          }
        : {}),
      ...(s.floodAscentFraction !== undefined ? { floodAscentFraction: s.floodAscentFraction } : {}),
      runs: report.runs.filter((r) => r.method === s.method).map(({ method: _, ...run }) => run),
    };
  });
}

/** One configuration of the comparison (clean labels, or a level of label noise) as JSON. */
function scenarioJson(report: Report) {
  return {
    labelNoise: report.config.labelNoise,
    config: report.config,
    summary: summaryJson(report),
    methods: methodsJson(report),
  };
}

/**
 * `results/mnist.json`: when and where it ran, the timing phase (shared by the configurations: labels do not
 * change a step's cost), then per configuration (clean labels, label noise) its settings, a summary per method
 * (final and best test accuracy mean ± sd over seeds, memorized noisy labels, λ_max and R_IG, the paired test
 * against Adam, evaluations per step, step time relative to Adam) and every seed's run with its learning curve.
 */
export function resultsJson(reports: readonly Report[]): string {
  const [first] = reports;
  const { timing } = first;
  const json = {
    createdAt: first.date,
    backend: backendLabel(first.backend),
    seconds: Number(reports.reduce((t, r) => t + r.seconds, 0).toFixed(1)),
    timing: {
      baseline: timing.baseline,
      warmup: timing.warmup,
      rounds: timing.rounds,
      batch: timing.batch,
      statistic: 'median of per-round ratios',
      adamMedianMs: timing.baselineMedianMs,
    },
    scenarios: reports.map(scenarioJson),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
