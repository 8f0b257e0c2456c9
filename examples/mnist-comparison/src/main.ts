import '@tensorflow/tfjs'; // registers gradients, chained ops and the cpu backend
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { flagsOrExit, pickBackend } from '@flatopt/example-utils';
import { configFromFlags, DEFAULT_NOISE, parseFlags, USAGE } from './cli';
import { costSvg, curvesSvg } from './charts';
import { describeConfig, describeMethods, floodingNote, labelNoiseText } from './describe';
import { selectMethods } from './methods';
import { isInteractive } from './progress';
import { backendLabel, resultsJson, seeds, type Report } from './results';
import { runComparison } from './run';
import { formatDuration } from './stats';
import { formatTable } from './table';

tf.enableProdMode();
const flags = flagsOrExit(parseFlags, USAGE);
const config = configFromFlags(flags);
const methods = selectMethods(flags.methods);
const backend = await pickBackend(flags.backend).catch((e: Error) => {
  console.error(`error: ${e.message} (tfjs-node is used only if you installed it: see the README)`);
  process.exit(1);
});

console.log(`flatopt MNIST comparison — backend: ${backendLabel(backend)}\n`);
console.log(describeConfig(config));
console.log(`\n${describeMethods(methods, config.hyperparameters)}\n`);

const reports: Report[] = [];
for (const labelNoise of flags.noise ?? DEFAULT_NOISE) {
  const scenario = { ...config, labelNoise };
  console.log(`\n=== ${labelNoiseText(labelNoise)} ===`);
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
  const note = floodingNote(report.summaries, config.hyperparameters);
  if (note) console.log(note);
}

const dir = resolve(flags.out);
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
files['mnist-cost.svg'] = costSvg(
  reports[0].summaries,
  `${backendLabel(backend)}, ${reports[0].date.slice(0, 10)}`,
);
for (const [name, text] of Object.entries(files)) writeFileSync(resolve(dir, name), text);
const seconds = reports.reduce((t, r) => t + r.seconds, 0);
console.log(`\nwrote ${Object.keys(files).join(', ')} to ${dir} (${formatDuration(seconds)} in all)`);
