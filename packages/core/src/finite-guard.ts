import * as tf from '@tensorflow/tfjs-core';
import { applyIfFinite } from './apply-if-finite';
import { FlatoptError } from './errors';
import { nonFiniteError } from './non-finite';
import { PendingChecks, type SkippedStep } from './pending-checks';
import type { Grads, NonFinitePolicy } from './types';

/**
 * How a step learns whether it was finite:
 * - `'read'`: a blocking read of one number before anything is applied. On cpu, wasm and tfjs-node
 *   the values are computed by then anyway, so the read costs nothing and a non-finite step throws
 *   from the call that made it.
 * - `'device'`: no read at all. The update is applied and then undone on the device where the step
 *   was not finite (optax's `apply_if_finite`); the verdict is read asynchronously and raised by a
 *   later call or by `settled()`. On WebGL and WebGPU a blocking read stalls the GPU pipeline and
 *   the page's main thread (and breaks WebGPU in headless Chromium).
 * - `'auto'` (default): `'device'` on the webgl and webgpu backends, `'read'` elsewhere.
 */
export type FiniteCheck = 'auto' | 'read' | 'device';

/** Backends whose blocking reads stall a GPU pipeline. */
const ASYNC_BACKENDS = new Set(['webgl', 'webgpu']);

/** The non-finite policy of one PluggedOptimizer: the check, the on-device guard, the late verdicts. */
export class FiniteGuard {
  private readonly pending = new PendingChecks();
  /** Whether an update has run: before it, the wrapped optimizer may still create its state. */
  private updated = false;

  constructor(
    readonly policy: NonFinitePolicy,
    readonly check: FiniteCheck,
  ) {}

  /** What a `minimize`-style step does about finiteness on the active backend. */
  mode(): 'none' | 'read' | 'device' {
    if (this.policy === 'ignore') return 'none';
    if (this.check !== 'auto') return this.check;
    return ASYNC_BACKENDS.has(tf.getBackend()) ? 'device' : 'read';
  }

  /**
   * `'read'` mode: reads `flag` (finite exactly when the step is, see `finiteFlag`) and returns whether to skip the
   * step; under 'throw' a non-finite step throws instead, before anything was applied.
   */
  readNow(
    flag: tf.Scalar,
    loss: tf.Scalar,
    grads: Grads,
    variables: readonly tf.Variable[],
    iteration: number,
  ): boolean {
    const finite = Number.isFinite(flag.dataSync()[0]);
    if (finite) return false;
    if (this.policy === 'throw') throw nonFiniteError(loss, grads, variables, iteration);
    return true;
  }

  /**
   * `'device'` mode: runs `update(grads)` and undoes it on the device where `flag` is not finite,
   * for every registered variable it changed: the weights, the wrapped optimizer's state and the
   * plugins' state alike. Call inside a tidy.
   */
  applyGuarded(flag: tf.Scalar, grads: Grads, update: (grads: Grads) => void): void {
    const ok = tf.isFinite(flag) as tf.Scalar;
    const variables = Object.values(tf.engine().registeredVariables);
    applyIfFinite(ok, variables, grads, !this.updated, update);
    this.updated = true;
  }

  /**
   * `'device'` mode: starts the asynchronous read of the step's verdict, with its loss when known
   * (`applyGradients` alone never sees the loss).
   */
  track(flag: tf.Scalar, loss: tf.Scalar | null, iteration: number, advanced: boolean): void {
    const pair = tf.tidy(() => tf.stack([flag, loss ?? flag]) as tf.Tensor1D);
    this.pending.add(pair, iteration, loss !== null, advanced);
  }

  /**
   * Raises what the asynchronous reads found since the last call: the wrapped optimizer's
   * iteration count goes back by the number of steps that were undone on the device, and under
   * 'throw' the first of them throws. Called at the start of every step, so a verdict is raised
   * by the first call after its read resolved.
   */
  raiseFound(optimizer: tf.Optimizer): void {
    const found = this.pending.take();
    if (found.length === 0) return;
    uncount(optimizer, found.filter((s) => s.advanced).length);
    if (this.policy === 'throw') throw lateError(found);
  }

  /** Resolves once every verdict read so far is in, and raises them as `raiseFound` does. */
  async settled(optimizer: tf.Optimizer): Promise<void> {
    await this.pending.settled();
    this.raiseFound(optimizer);
  }

  /**
   * The verdict of a step whose [flag, loss] were read with its report: undoes the iteration
   * count of a non-finite step (the device already undid the rest) and, under 'throw', throws.
   * Returns whether the step was skipped.
   */
  verdict(
    optimizer: tf.Optimizer,
    flag: number,
    loss: number,
    iteration: number,
    advanced: boolean,
  ): boolean {
    if (Number.isFinite(flag)) return false;
    uncount(optimizer, advanced ? 1 : 0);
    if (this.policy === 'throw') throw lateError([{ iteration, loss, advanced }], true);
    return true;
  }
}

/**
 * tfjs optimizers count every applyGradients call; a step undone on the device did not happen. Only
 * steps that reached the wrapped optimizer are taken back (`SkippedStep.advanced`).
 */
function uncount(optimizer: tf.Optimizer, steps: number): void {
  const o = optimizer as unknown as { iterations_?: number };
  o.iterations_ = Math.max(0, (o.iterations_ ?? 0) - steps);
}

function lateError(found: readonly SkippedStep[], now = false): FlatoptError {
  const [first] = found;
  const loss = first.loss === undefined ? '' : ` (loss ${first.loss})`;
  const more = found.length > 1 ? ` (and ${found.length - 1} later step${found.length > 2 ? 's' : ''})` : '';
  const when = now ? '' : ', found by its asynchronous check';
  return new FlatoptError(
    `withPlugins: non-finite loss or gradient at iteration ${first.iteration}${more}${loss}${when}: ` +
      `the update was undone on the device, weights and optimizer state are as before that step. ` +
      `Lower the learning rate or check the data; pass { nonFinite: 'skip' } to skip such steps silently, or 'ignore' to turn the check off.`,
  );
}
