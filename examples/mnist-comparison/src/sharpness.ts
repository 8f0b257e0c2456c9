import { measureIgr, topHessianEigenvalue } from '@flatopt/implicit-gr';
import type { Split } from '@flatopt/example-utils';
import { batchLoss, type Mlp } from './model';

/** The sharpness figures the methods are about, at the end of a run, on the training objective. */
export interface Sharpness {
  /**
   * Top eigenvalue of the Hessian of the training loss (power iteration on Hessian-vector
   * products, as PyHessian), the sharpness that bounds stable step sizes (h < 2/λ_max).
   */
  readonly topEigenvalue: number;
  /** Barrett & Dherin's R_IG = ‖∇E‖²/m on the whole training split, m the parameter count. */
  readonly rIg: number;
}

/** Power iterations for λ_max: enough for a 2% relative change on these MLPs, in about a second on wasm. */
const EIGEN_ITERATIONS = 20;
const EIGEN_TOLERANCE = 1e-2;

/**
 * λ_max and R_IG of the loss on `train` (the labels the model trained on, noisy ones included) at
 * the current weights; weights untouched. `seed` seeds the power iteration's start.
 */
export function measureSharpness(model: Mlp, train: Split, seed: number): Sharpness {
  const loss = () => batchLoss(model, train.x, train.y);
  const top = topHessianEigenvalue(loss, model.variables, {
    iterations: EIGEN_ITERATIONS,
    tolerance: EIGEN_TOLERANCE,
    seed,
  });
  const { rIg } = measureIgr(loss, model.variables, 1);
  return { topEigenvalue: top.estimate, rIg };
}
