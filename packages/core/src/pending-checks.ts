import type * as tf from '@tensorflow/tfjs-core';
import { readAsync } from './tfjs/read-async';

/** A step the device found non-finite and did not apply, as its asynchronous read reported it. */
export interface SkippedStep {
  /** The wrapped optimizer's iteration count when the step ran. */
  readonly iteration: number;
  /** The step's mean loss (NaN or ±Infinity when the loss itself was not finite), when known. */
  readonly loss?: number;
  /**
   * Whether the step advanced the wrapped optimizer's iteration count (a plugin such as
   * `accumulate` applies one call in k), which undoing it must then take back.
   */
  readonly advanced: boolean;
}

/**
 * Finiteness checks read without blocking. Each step started by the device path hands its
 * `[flag, loss]` pair here; the read resolves whenever the backend gets to it (on WebGL, once the
 * GPU has finished the step and the page has yielded), and `take()` at the start of the next call
 * or `settled()` turns what came back into skipped steps. Nothing here waits synchronously.
 */
export class PendingChecks {
  private readonly reads = new Set<Promise<void>>();
  private found: SkippedStep[] = [];
  private failure: unknown = null;

  /** Starts the read of `pair` = [flag, loss] (the flag is finite exactly when the step is) and disposes it. */
  add(pair: tf.Tensor1D, iteration: number, hasLoss: boolean, advanced: boolean): void {
    const read = readAsync(pair)
      .then((values) => {
        if (!Number.isFinite(values[0]))
          this.found.push(hasLoss ? { iteration, loss: values[1], advanced } : { iteration, advanced });
      })
      .catch((e: unknown) => {
        this.failure ??= e;
      })
      .finally(() => this.reads.delete(read));
    this.reads.add(read);
  }

  /** The reads started and not yet resolved. */
  get pending(): number {
    return this.reads.size;
  }

  /** The non-finite steps found since the last call, oldest first; throws a failed read's error. */
  take(): SkippedStep[] {
    if (this.failure !== null) {
      const e = this.failure;
      this.failure = null;
      throw e;
    }
    const out = this.found;
    this.found = [];
    return out;
  }

  /** Resolves once every read started so far has resolved. */
  async settled(): Promise<void> {
    while (this.reads.size > 0) await Promise.all([...this.reads]);
  }
}
