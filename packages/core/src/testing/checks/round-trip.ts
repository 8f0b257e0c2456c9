import * as tf from '@tensorflow/tfjs-core';
import { PluggedOptimizer } from '@flatopt/core';
import type { NamedTensor } from '@flatopt/core';
import { assertBitwiseEqual, readAll } from '../bitwise';
import { ConformanceError } from '../errors';
import { mlpProblem } from '../problems';
import { callsPerUpdate, lossOf, plugged, type ConformanceSubject, type OptimizerName } from '../subject';

/** Rebuilds an optimizer from its config after a JSON round trip, as model.save/load would. */
export function rebuild(opt: PluggedOptimizer): PluggedOptimizer {
  const config = JSON.parse(JSON.stringify(opt.getConfig()));
  return PluggedOptimizer.fromConfig(PluggedOptimizer, config) as PluggedOptimizer;
}

/** getConfig → JSON → fromConfig gives an optimizer with the same config. */
export async function checkConfigRoundTrip(
  subject: ConformanceSubject,
  optimizer: OptimizerName,
): Promise<void> {
  const check = `${subject.name}: config round trip (${optimizer})`;
  const opt = plugged(subject, optimizer);
  try {
    const restored = rebuild(opt);
    const [a, b] = [opt.getConfig(), restored.getConfig()].map((c) => JSON.stringify(c));
    restored.dispose();
    if (a !== b)
      throw new ConformanceError(check, `config changed in the round trip:\n  before ${a}\n  after  ${b}`);
  } finally {
    opt.dispose();
  }
}

/**
 * getWeights/setWeights round-trip: training continued on a rebuilt optimizer with restored
 * state is bit-identical to uninterrupted training.
 */
export async function checkResume(
  subject: ConformanceSubject,
  optimizer: OptimizerName,
  steps = 5,
): Promise<void> {
  const check = `${subject.name}: resume from saved state (${optimizer})`;
  const a = mlpProblem({ seed: 51 });
  const b = mlpProblem({ seed: 51 });
  const first = plugged(subject, optimizer);
  let second: PluggedOptimizer | undefined;
  try {
    for (let i = 0; i < steps; i++) first.minimize(lossOf(subject, a), false, a.variables);
    const weights = a.read();
    const saved = await first.getWeights();
    const state: NamedTensor[] = saved.map((w) => ({
      name: w.name,
      tensor: tf.tensor(readAll([w.tensor])[0], w.tensor.shape, w.tensor.dtype),
    }));
    saved[0].tensor.dispose();
    for (let i = 0; i < steps; i++) first.minimize(lossOf(subject, a), false, a.variables);

    b.assign(weights);
    second = rebuild(first);
    await second.setWeights(state);
    tf.dispose(state.map((w) => w.tensor));
    const iterations = Math.floor(steps / callsPerUpdate(subject));
    if (second.iterations !== iterations) {
      throw new ConformanceError(
        check,
        `iterations after setWeights: ${second.iterations}, expected ${iterations} (${steps} calls).`,
      );
    }
    for (let i = 0; i < steps; i++) second.minimize(lossOf(subject, b), false, b.variables);
    assertBitwiseEqual(check, `weights after ${steps} resumed steps`, b.read(), a.read());
  } finally {
    first.dispose();
    second?.dispose();
    a.dispose();
    b.dispose();
  }
}
