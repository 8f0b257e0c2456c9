import '@tensorflow/tfjs'; // registers layers, gradients, chained ops and the cpu backend
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { flagsOrExit, loadDigits, pickBackend } from '@flatopt/example-utils';
import { VARIANTS } from './recipe';
import { resultsTable } from './report';
import { parseFlags, runSettings, USAGE } from './settings';
import { trainVariant, type RunResult } from './train';

const flags = flagsOrExit(parseFlags, USAGE);
tf.enableProdMode();
const backend = await pickBackend(flags.backend || undefined);
const data = loadDigits(flags.trainPerDigit, flags.testPerDigit);
const settings = runSettings(flags, data.train.x.shape[0]);
console.log(
  `flatopt training recipe — backend ${backend}; ${data.train.x.shape[0]} train / ${data.test.x.shape[0]} test digits, ` +
    `${settings.epochs} epochs of ${settings.stepsPerEpoch} steps (batch ${settings.batchSize}), ${flags.seeds} seeds\n`,
);
const results: RunResult[] = [];
const start = performance.now();
// Seeds outermost, variants inside: the timing of every variant sees the same machine state.
for (let seed = 1; seed <= flags.seeds; seed++) {
  for (const variant of VARIANTS) {
    const r = trainVariant(variant, seed, settings, data);
    results.push(r);
    console.log(
      `seed ${seed} ${variant.padEnd(13)} test ${(100 * r.testAccuracy).toFixed(1)}% (last iterate ${(100 * r.lastIterateAccuracy).toFixed(1)}%), ${r.msPerStep.toFixed(1)} ms/step`,
    );
  }
}
const table = resultsTable(results);
const seconds = (performance.now() - start) / 1000;
console.log(`\n${table}\n\nbackend ${backend}; ${seconds.toFixed(0)} s`);
if (flags.out) {
  mkdirSync(flags.out, { recursive: true });
  const meta = { backend, date: new Date().toISOString(), seconds, settings, flags };
  writeFileSync(join(flags.out, 'recipe.json'), `${JSON.stringify({ meta, results }, null, 2)}\n`);
  writeFileSync(join(flags.out, 'recipe.md'), `${table}\n`);
}
tf.dispose([data.train.x, data.train.y, data.test.x, data.test.y]);
