import '@tensorflow/tfjs'; // registers layers, gradients, chained ops and the cpu backend
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { pickBackend } from '@flatopt/example-utils';
import { quick, runLayersFit } from './layers-fit';

tf.enableProdMode();
const args = process.argv.slice(2).filter((a) => a !== '--');
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const epochs = flag('epochs') ? Number(flag('epochs')) : undefined;
const dir = flag('out') ?? mkdtempSync(join(tmpdir(), 'flatopt-layers-fit-'));

const start = performance.now();
const backend = await pickBackend(flag('backend'));
console.log(
  `flatopt layers-fit example — backend: ${backend}${backend === 'tensorflow' ? ' (tfjs-node)' : ''}\n`,
);
await runLayersFit(dir, { ...(args.includes('--quick') ? quick : {}), ...(epochs ? { epochs } : {}) });
console.log(`\nbackend ${backend}; run time ${((performance.now() - start) / 1000).toFixed(1)} s`);
