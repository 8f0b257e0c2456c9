/**
 * The one error type flatopt throws for bad input and broken invariants. Messages follow one
 * pattern: who complains, what was wrong (the value), what is allowed, and that nothing changed.
 */
export class FlatoptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlatoptError';
  }
}

/** A short, printable description of any value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const ctor = (value as object).constructor?.name;
  return ctor && ctor !== 'Object' ? `an instance of ${ctor}` : 'an object';
}
