import type * as tf from '@tensorflow/tfjs-core';
import { FlatoptError } from './errors';
import { readAsync } from './tfjs/read-async';

/** Above this share of a perturbation lost to rounding, a finite-difference step is noise. */
export const LOST_LIMIT = 0.5;

interface Lost {
  owner: string;
  iteration: number;
  fraction: number;
}

/**
 * Watches, in half precision only, whether the perturbations of `ctx.probe` reach the weights.
 * Each probe hands in the share of its perturbation that rounding lost (`lostFraction`); it is read
 * without blocking, and the first call after a read found more than half lost throws, as the
 * asynchronous non-finite verdicts do. A finite-difference gradient taken from such a probe is
 * rounding noise (for SAM and forward GR it is then roughly the plain gradient: a silent no-op).
 */
export class PrecisionWatch {
  private readonly reads = new Set<Promise<void>>();
  private found: Lost | null = null;
  private failure: unknown = null;

  /** Starts the read of `fraction` (a scalar this takes over and disposes). */
  add(fraction: tf.Scalar, owner: string, iteration: number): void {
    const read = readAsync(fraction)
      .then(([value]) => {
        // A non-finite share comes from a non-finite perturbation: the finiteness check's business.
        if (Number.isFinite(value) && value > LOST_LIMIT)
          this.found ??= { owner, iteration, fraction: value };
      })
      .catch((e: unknown) => {
        this.failure ??= e;
      })
      .finally(() => this.reads.delete(read));
    this.reads.add(read);
  }

  /** Throws what the reads found since the last call. */
  raise(): void {
    const [failure, found] = [this.failure, this.found];
    this.failure = this.found = null;
    if (failure !== null) throw failure;
    if (found) throw lostError(found);
  }

  /** Waits for every read started so far, then raises as `raise` does. */
  async settled(): Promise<void> {
    while (this.reads.size > 0) await Promise.all([...this.reads]);
    this.raise();
  }
}

function lostError({ owner, iteration, fraction }: Lost): FlatoptError {
  const percent = `${Math.round(fraction * 100)}%`;
  return new FlatoptError(
    `${owner}: its finite-difference perturbation at iteration ${iteration} was lost to half-precision ` +
      `rounding: the weights moved by it differ from it by ${percent} (at most ${LOST_LIMIT * 100}% is ` +
      `accepted). This backend stores tensors in float16 (WebGL without float32 render targets), ` +
      `where a weight w moves only in steps of about |w|·2^-11, so the gradient at the perturbed ` +
      `point is rounding noise. Raise the plugin's perturbation size (sam: rho; gradReg: epsilon), ` +
      `or train on a float32 backend.`,
  );
}
