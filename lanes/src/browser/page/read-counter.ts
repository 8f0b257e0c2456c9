/**
 * Counts blocking device-to-host reads: every call of the active backend's `readSync`, which is
 * where `dataSync()` and `arraySync()` end up (engine.readSync → backend.readSync). Asynchronous
 * reads (`data()`, `array()`) go through `read` and are not counted. Runs in the browser.
 */
import * as tf from '@tensorflow/tfjs';

export interface ReadCounter {
  readonly count: number;
  /** Puts the backend's own readSync back. */
  restore(): void;
}

type Reader = { readSync: (...args: unknown[]) => unknown };

export function countBlockingReads(): ReadCounter {
  const backend = tf.backend() as unknown as Reader;
  const own = Object.prototype.hasOwnProperty.call(backend, 'readSync');
  const original = backend.readSync;
  let count = 0;
  backend.readSync = function (this: unknown, ...args: unknown[]) {
    count++;
    return original.apply(this, args);
  };
  return {
    get count() {
      return count;
    },
    restore() {
      if (own) backend.readSync = original;
      else delete (backend as Partial<Reader>).readSync; // back to the prototype's method
    },
  };
}
