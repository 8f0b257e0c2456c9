import { checkNumber } from '@flatopt/core';

/**
 * The papers scale the gradient-norm penalty differently (SCIENCE.md §1). flatopt's `gamma` is
 * Karakida et al.'s: penalty (γ/2)·‖∇L‖², gradient ∇L + γ·H∇L. These convert the others.
 */

/**
 * Barrett & Dherin's implicit gradient regularization: gradient descent with step h follows
 * L + (h/4)·‖∇L‖² (λ·R_IG with λ = h·m/4, R_IG = ‖∇L‖²/m), i.e. γ = h/2.
 */
export function gammaFromLearningRate(learningRate: number): number {
  return (
    checkNumber('gammaFromLearningRate', 'learningRate', learningRate, { min: 0, exclusiveMin: true }) / 2
  );
}

/**
 * Zhao, Zhang & Hu's non-squared penalty λ·‖∇L‖, computed with an ascent of radius r:
 * G = (1 − α)·g + α·∇L(θ + r·g/‖g‖) with α = λ/r. α = 1 is SAM with ρ = r.
 */
export function alphaFromLambda(lambda: number, radius: number): number {
  checkNumber('alphaFromLambda', 'lambda', lambda, { min: 0 });
  return lambda / checkNumber('alphaFromLambda', 'radius', radius, { min: 0, exclusiveMin: true });
}

/** The inverse of `alphaFromLambda`: λ = α·r. */
export function lambdaFromAlpha(alpha: number, radius: number): number {
  checkNumber('lambdaFromAlpha', 'alpha', alpha, { min: 0 });
  return alpha * checkNumber('lambdaFromAlpha', 'radius', radius, { min: 0, exclusiveMin: true });
}
