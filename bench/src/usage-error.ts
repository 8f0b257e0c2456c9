/**
 * A mistake on the command line: the CLI prints its message alone, without a stack. Its own file
 * (no Node imports) because benchmark selection throws it in the browser page too.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
