import '@tensorflow/tfjs'; // registers gradients, chained ops and the cpu backend
import * as tf from '@tensorflow/tfjs-core';
import { pickBackend } from '@flatopt/example-utils';
import { formatResults, runDemo } from './demo';

tf.enableProdMode();
const args = process.argv.slice(2).filter((a) => a !== '--');
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const steps = flag('steps') ? Number(flag('steps')) : undefined;

const backend = await pickBackend(flag('backend'));
console.log(`flatopt demo — backend: ${backend}${backend === 'tensorflow' ? ' (tfjs-node)' : ''}\n`);
const results = runDemo(steps ? { steps } : {});
console.log(`\n${formatResults(results)}`);
