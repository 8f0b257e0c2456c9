import { assertBitwiseEqual, readAll } from '../bitwise';
import { mlpProblem } from '../problems';
import { lossOf, makeOptimizer, plugged, type ConformanceSubject, type OptimizerName } from '../subject';

/** Neutral settings give bit-identical weights (and wrapped-optimizer state) to the bare optimizer. */
export async function checkNeutral(
  subject: ConformanceSubject,
  optimizer: OptimizerName,
  steps = 20,
): Promise<void> {
  const check = `${subject.name}: neutral settings equal bare ${optimizer}`;
  const a = mlpProblem({ seed: 11 });
  const b = mlpProblem({ seed: 11 });
  const bare = makeOptimizer(optimizer);
  const opt = plugged(subject, optimizer, true);
  const names = a.variables.map((v) => v.name.split('/')[1]);
  try {
    for (let i = 0; i < steps; i++) {
      bare.minimize(a.loss, false, a.variables);
      opt.minimize(lossOf(subject, b), false, b.variables);
      assertBitwiseEqual(check, `weights after step ${i + 1}`, b.read(), a.read(), names);
    }
    const bareState = await bare.getWeights();
    const innerState = await opt.inner.getWeights();
    assertBitwiseEqual(
      check,
      'wrapped optimizer state',
      readAll(innerState.map((w) => w.tensor)),
      readAll(bareState.map((w) => w.tensor)),
      bareState.map((w) => w.name),
    );
    bareState[0].tensor.dispose();
    innerState[0].tensor.dispose();
  } finally {
    bare.dispose();
    opt.dispose();
    a.dispose();
    b.dispose();
  }
}
