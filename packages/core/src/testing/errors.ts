/** Thrown by a conformance check whose invariant does not hold; the message says which and by how much. */
export class ConformanceError extends Error {
  constructor(check: string, message: string) {
    super(`[conformance: ${check}] ${message}`);
    this.name = 'ConformanceError';
  }
}
