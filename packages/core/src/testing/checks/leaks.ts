import * as tf from '@tensorflow/tfjs-core';
import { ConformanceError } from '../errors';
import { mlpProblem } from '../problems';
import { callsPerUpdate, lossOf, plugged, type ConformanceSubject, type OptimizerName } from '../subject';

/** `tf.memory().numTensors` and the registered variables are unchanged over `steps` steps after the first update. */
export async function checkNoLeaks(
  subject: ConformanceSubject,
  optimizer: OptimizerName,
  steps = 200,
): Promise<void> {
  const check = `${subject.name}: no leaks over ${steps} steps (${optimizer})`;
  const problem = mlpProblem({ seed: 41 });
  const opt = plugged(subject, optimizer);
  const loss = lossOf(subject, problem);
  try {
    // The first update creates the wrapped optimizer's state.
    for (let i = 0; i < callsPerUpdate(subject); i++) opt.minimize(loss, false, problem.variables);
    const tensors = tf.memory().numTensors;
    const variables = Object.keys(tf.engine().registeredVariables).length;
    for (let i = 0; i < steps; i++) opt.minimize(loss, false, problem.variables);
    const grown = tf.memory().numTensors - tensors;
    if (grown !== 0) {
      throw new ConformanceError(
        check,
        `numTensors grew by ${grown} (${(grown / steps).toFixed(2)} per step).`,
      );
    }
    const newVariables = Object.keys(tf.engine().registeredVariables).length - variables;
    if (newVariables !== 0)
      throw new ConformanceError(check, `${newVariables} variables were registered during training.`);
  } finally {
    opt.dispose();
    problem.dispose();
  }
}
