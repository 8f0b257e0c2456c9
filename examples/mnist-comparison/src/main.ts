import '@tensorflow/tfjs'; // registers gradients, chained ops and the cpu backend
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flagsOrExit, pickBackend } from '@flatopt/example-utils';
import { configFromFlags, DEFAULT_NOISE, parseFlags, USAGE } from './cli';
import { costSvg, curvesSvg, sharpnessSvg } from './charts';
import { describeConfig, describeMethods, floodingNote, labelNoiseText } from './describe';
import { EXPERIMENTS, formatExperiment, runExperiment } from './experiments';
import { selectMethods } from './methods';
import { isInteractive } from './progress';
import { backendLabel, resultsJson, seeds, type Report } from './results';
import { runComparison } from './run';
import { formatDuration } from './stats';
import {
  formatSweep,
  hyperparametersFor,
  sweepScenario,
  VALIDATION_PER_DIGIT,
  type SweepScenario,
} from './sweep';
import { formatTable } from './table';

tf.enableProdMode();
const flags = flagsOrExit(parseFlags, USAGE);
const config = configFromFlags(flags);
const methods = selectMethods(flags.methods);
const backend = await pickBackend(flags.backend).catch((e: Error) => {
  console.error(`error: ${e.message} (tfjs-node is used only if you installed it: see the README)`);
  process.exit(1);
});

const noiseLevels = flags.noise ?? DEFAULT_NOISE;
const dir = resolve(flags.out);
// The settings a sweep chose: this run's output folder's, else the tracked ones in results/.
const trackedSweep = fileURLToPath(new URL('../results/sweep.json', import.meta.url));
const sweepPath = [resolve(dir, 'sweep.json'), trackedSweep].find((p) => existsSync(p));

/** Writes `<out>/<name>`: when, where and how long it ran, then `body`; and says so. */
function writeResults(name: string, started: number, body: object, after = ''): void {
  mkdirSync(dir, { recursive: true });
  const seconds = (performance.now() - started) / 1000;
  const path = resolve(dir, name);
  const json = {
    createdAt: new Date().toISOString(),
    backend: backendLabel(backend),
    seconds: Number(seconds.toFixed(1)),
    ...body,
  };
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nwrote ${path} (${formatDuration(seconds)} in all)${after}`);
}

if (flags.experiments) {
  console.log(`flatopt MNIST paper claims — backend: ${backendLabel(backend)}\n`);
  console.log(describeConfig(config));
  const started = performance.now();
  const results = flags.experiments.map((key) => {
    const experiment = EXPERIMENTS.find((e) => e.key === key)!;
    console.log(
      `\n=== ${experiment.key}: ${labelNoiseText(experiment.labelNoise)}, ${seeds(config.seeds)} ===`,
    );
    const result = runExperiment(experiment, config, process.stderr, isInteractive(process.stderr));
    console.log(formatExperiment(result));
    return result;
  });
  writeResults('experiments.json', started, { config, experiments: results });
  process.exit(0);
}

if (flags.sweep) {
  const sweepSeeds = flags.seeds ?? 2;
  console.log(`flatopt MNIST sweep — backend: ${backendLabel(backend)}\n`);
  console.log(describeConfig(config));
  console.log(
    `validation: ${10 * VALIDATION_PER_DIGIT} digits between the training and test ones; ${seeds(sweepSeeds)} per value\n`,
  );
  const started = performance.now();
  const scenarios: SweepScenario[] = [];
  for (const labelNoise of noiseLevels) {
    console.log(`=== ${labelNoiseText(labelNoise)}: final validation accuracy % (mean ± sd), ← chosen ===`);
    const scenario = sweepScenario(
      { ...config, labelNoise },
      sweepSeeds,
      process.stderr,
      isInteractive(process.stderr),
    );
    console.log(formatSweep(scenario));
    scenarios.push(scenario);
  }
  const sweepConfig = { ...config, validationPerDigit: VALIDATION_PER_DIGIT, seeds: sweepSeeds };
  writeResults(
    'sweep.json',
    started,
    { config: sweepConfig, scenarios },
    '; `pnpm demo` now uses its choices',
  );
  process.exit(0);
}

const sweep = sweepPath
  ? (JSON.parse(readFileSync(sweepPath, 'utf8')) as { scenarios: SweepScenario[] })
  : undefined;

console.log(`flatopt MNIST comparison — backend: ${backendLabel(backend)}\n`);
console.log(describeConfig(config));

const reports: Report[] = [];
for (const labelNoise of noiseLevels) {
  const { hyperparameters, swept } = hyperparametersFor(labelNoise, sweep);
  const scenario = { ...config, labelNoise, hyperparameters };
  console.log(`\n=== ${labelNoiseText(labelNoise)} ===`);
  const source = swept
    ? `chosen on the validation split by --sweep (${sweepPath})`
    : 'defaults: no sweep for this noise level';
  console.log(`\n${describeMethods(methods, hyperparameters)}\n(settings: ${source})`);
  reports.push(
    await runComparison({
      config: scenario,
      methods,
      backend,
      stream: process.stderr,
      interactive: isInteractive(process.stderr),
      timing: reports[0]?.timing,
    }),
  );
  const report = reports.at(-1)!;
  console.log(`\n${labelNoiseText(labelNoise)}:\n${formatTable(report.summaries, report.timing)}`);
  const note = floodingNote(report.summaries, hyperparameters);
  if (note) console.log(note);
}

mkdirSync(dir, { recursive: true });
const files: Record<string, string> = { 'mnist.json': resultsJson(reports) };
for (const report of reports) {
  const noise = report.config.labelNoise;
  const subtitle = `${backendLabel(backend)}, ${report.date.slice(0, 10)}; ${seeds(config.seeds)}; ${describeConfig(report.config, true)}`;
  files[`mnist-curves${noise === 0 ? '' : `-noise${Math.round(100 * noise)}`}.svg`] = curvesSvg(
    report.summaries,
    subtitle,
  );
}
files['mnist-sharpness.svg'] = sharpnessSvg(
  reports.map((r) => ({ title: labelNoiseText(r.config.labelNoise, true), summaries: r.summaries })),
  `${backendLabel(backend)}, ${reports[0].date.slice(0, 10)}; ${seeds(config.seeds)}; bars: ± one sd over seeds`,
);
files['mnist-cost.svg'] = costSvg(
  reports[0].summaries,
  `${backendLabel(backend)}, ${reports[0].date.slice(0, 10)}`,
);
for (const [name, text] of Object.entries(files)) writeFileSync(resolve(dir, name), text);
const seconds = reports.reduce((t, r) => t + r.seconds, 0);
console.log(`\nwrote ${Object.keys(files).join(', ')} to ${dir} (${formatDuration(seconds)} in all)`);
