/**
 * Whether a plugin still changes the update: one SGD update from the same weights with the bare
 * optimizer and with the plugin's active settings. A plugin whose perturbation vanishes below the
 * backend's precision steps exactly like the bare optimizer (a silent no-op). Runs in the browser.
 */
import * as tf from '@tensorflow/tfjs';
import { withPlugins } from '@flatopt/core';
import { callsPerUpdate, mlpProblem, useBackend, type BackendName } from '@flatopt/core/testing';
import { bitDiff, readValues, type BitDiff } from './bits';
import { lossFor } from './optimizers';
import { pluginsOf, subjectNamed } from './subjects';

export interface Effect {
  /** Plugged step vs the weights before it: 0 differing means the step did nothing. */
  moved: BitDiff;
  /** Plugged step vs the bare step: 0 differing means the plugin had no effect. */
  vsBare: BitDiff;
  /** Largest |plugged − bare| over all weights. */
  maxDifference: number;
  finite: boolean;
}

export async function pluginEffect(backend: BackendName, name: string): Promise<Effect> {
  await useBackend(backend);
  const a = mlpProblem({ seed: 11 });
  const b = mlpProblem({ seed: 11 });
  const bare = tf.train.sgd(0.1);
  const subject = subjectNamed(name);
  const opt = withPlugins(tf.train.sgd(0.1), ...pluginsOf(subject.create()));
  try {
    const start = await readValues(b.variables);
    bare.minimize(a.loss, false, a.variables);
    // One update: with gradient accumulation over k calls, k calls.
    for (let i = 0; i < callsPerUpdate(subject); i++) opt.minimize(lossFor(name, b), false, b.variables);
    const [wa, wb] = [await readValues(a.variables), await readValues(b.variables)];
    const names = a.variables.map((v) => v.name.split('/')[1]);
    let maxDifference = 0;
    wa.forEach((x, i) =>
      x.forEach((v, j) => (maxDifference = Math.max(maxDifference, Math.abs(v - wb[i][j])))),
    );
    return {
      moved: bitDiff(wb, start, names),
      vsBare: bitDiff(wb, wa, names),
      maxDifference,
      finite: wb.every((x) => x.every(Number.isFinite)),
    };
  } finally {
    bare.dispose();
    opt.dispose();
    a.dispose();
    b.dispose();
  }
}
