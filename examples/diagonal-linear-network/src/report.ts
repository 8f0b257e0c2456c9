import type { Flags } from './cli';
import type { Problem } from './data';
import type { RunResult } from './run';
import { barChartSvg } from './svg';
import { meanOver } from './theory';

/** The printed table: one row per method. */
export function formatTable(results: readonly RunResult[]): string {
  const header = [
    'method',
    'steps',
    'grads/step',
    'DB/step',
    '√uv support',
    '√uv off',
    '‖β‖₁',
    '‖β−β*‖',
    "α' err",
    "α' err+disc",
    'shrink err',
    'shrink+disc',
    'time s',
  ];
  const rows = results.map((r) => [
    r.label,
    `${r.steps}${r.converged ? '' : '*'}`,
    fixed(r.gradientEvaluationsPerStep, 2),
    fixed(r.doubleBackpropEvaluationsPerStep, 2),
    fixed(r.metrics.supportScale, 5),
    fixed(r.metrics.offSupportScale, 5),
    fixed(r.metrics.l1, 4),
    fixed(r.metrics.error, 4),
    percent(r.maxRelativeError),
    percent(r.maxRelativeErrorDiscrete),
    percent(r.shrinkageError),
    percent(r.shrinkageErrorDiscrete),
    fixed(r.seconds, 1),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  if (results.some((r) => !r.converged)) out.push('* stopped at the step cap before L < threshold');
  return out.join('\n');
}

/** The numbers of a run, for the JSON file (per-coordinate values go to the CSV). */
export function summarize(r: RunResult) {
  return {
    method: r.label,
    kind: r.method.kind,
    epsilon: r.theory.epsilon,
    gamma: r.theory.gamma,
    steps: r.steps,
    converged: r.converged,
    finalLoss: round(r.finalLoss),
    gradientEvaluationsPerStep: r.gradientEvaluationsPerStep,
    doubleBackpropEvaluationsPerStep: r.doubleBackpropEvaluationsPerStep,
    supportScale: round(r.metrics.supportScale),
    offSupportScale: round(r.metrics.offSupportScale),
    l1: round(r.metrics.l1),
    error: round(r.metrics.error),
    predictedSupportScale: round(meanOver(r.predicted, r.integrals.problem.support)),
    alphaPrimeMaxRelativeError: round(r.maxRelativeError),
    alphaPrimeMaxRelativeErrorDiscrete: round(r.maxRelativeErrorDiscrete),
    shrinkageError: round(r.shrinkageError),
    shrinkageErrorDiscrete: round(r.shrinkageErrorDiscrete),
    seconds: round(r.seconds, 3),
  };
}

export function resultsJson(
  flags: Flags,
  problem: Problem,
  backend: string,
  results: readonly RunResult[],
): string {
  const doc = {
    description:
      "Karakida et al.'s implicit bias of gradient regularization on a diagonal linear network (SCIENCE.md §3, §5.7-5.8, §5.14)",
    backend,
    settings: {
      alpha: flags.alpha,
      lr: flags.lr,
      gamma: flags.gamma,
      threshold: flags.threshold,
      maxSteps: flags.maxSteps,
      d: problem.d,
      n: problem.n,
      k: problem.k,
      seed: problem.seed,
      support: [...problem.support],
    },
    runs: results.map(summarize),
  };
  return toJson(doc) + '\n';
}

/** One row per method and coordinate: simulated and predicted α', and β. */
export function coordinatesCsv(problem: Problem, results: readonly RunResult[]): string {
  const lines = [
    'method,coordinate,on_support,alpha_simulated,alpha_predicted,alpha_predicted_discrete,beta',
  ];
  for (const r of results) {
    for (let i = 0; i < problem.d; i++) {
      lines.push(
        [
          r.label,
          i,
          problem.onSupport[i] ? 1 : 0,
          r.metrics.scales[i].toPrecision(9),
          r.predicted[i].toPrecision(9),
          r.predictedDiscrete[i].toPrecision(9),
          r.metrics.beta[i].toPrecision(9),
        ].join(','),
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** Two panels: mean effective scale on/off the support per method; ‖β‖₁ and ‖β − β*‖ per method. */
export function resultsSvg(flags: Flags, problem: Problem, results: readonly RunResult[]): string {
  const categories = results.map((r) => r.label);
  const scales = results.flatMap((r) => [r.metrics.supportScale, r.metrics.offSupportScale]);
  const low = Math.min(...scales, flags.alpha);
  const span = Math.max(flags.alpha - low, 1e-6);
  const yMin = Math.max(0, Number((Math.floor((low - 0.25 * span) / 0.005 + 1e-9) * 0.005).toFixed(3)));
  return barChartSvg(
    [
      {
        title: "Effective initialization α' = √(u·v) at the end (lower: stronger implicit bias)",
        yLabel: 'mean √(u_i·v_i)',
        categories,
        series: [
          { name: 'on the support', values: results.map((r) => r.metrics.supportScale) },
          { name: 'off the support', values: results.map((r) => r.metrics.offSupportScale) },
        ],
        yMin,
        yMax: flags.alpha + 0.1 * span,
        reference: { value: flags.alpha, label: `α = ${flags.alpha}` },
      },
      {
        title: 'Solution: ‖β‖₁ and ‖β − β*‖₂ (lower is better; GR does not improve them here)',
        yLabel: 'norm',
        categories,
        series: [
          { name: '‖β‖₁', values: results.map((r) => r.metrics.l1) },
          { name: '‖β − β*‖₂', values: results.map((r) => r.metrics.error) },
        ],
        reference: { value: problem.k, label: `‖β*‖₁ = ${problem.k}` },
      },
    ],
    {
      title: `Diagonal linear network, d=${problem.d} n=${problem.n} k=${problem.k}, α=${flags.alpha}, η=${flags.lr}, γ=${flags.gamma}`,
    },
  );
}

/**
 * JSON laid out the way prettier (printWidth 110) prints it, so the written file passes the
 * repository's `prettier --check .`: objects one key per line, arrays of numbers or strings on
 * one line (they are short here), arrays of objects one element per line.
 */
export function toJson(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object'))
      return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    return `[\n${value.map((v) => inner + toJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${toJson(v, inner)}`).join(',\n')}\n${indent}}`;
}

function round(x: number, digits = 6): number {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)) : x;
}

function fixed(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

function percent(x: number): string {
  return `${(100 * x).toPrecision(2)}%`;
}
