/** Thrown by a conformance check whose invariant does not hold; the message says which and by how much. */
export class ConformanceError extends Error {
  constructor(check: string, message: string) {
    super(`[conformance: ${check}] ${message}`);
    this.name = 'ConformanceError';
  }
}

/**
 * The message of the FlatoptError `fn` throws; throws itself if `fn` returns or throws anything
 * else. For asserting bad-input messages word for word.
 */
export function flatoptErrorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof Error && e.name === 'FlatoptError') return e.message;
    throw new Error(`expected a FlatoptError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a FlatoptError, but nothing was thrown');
}
