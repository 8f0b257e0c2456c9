import { describe, FlatoptError } from './errors';

/** The allowed range of a numeric option; bounds are inclusive unless marked exclusive. */
export interface Range {
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
  integer?: boolean;
}

/** "a finite number > 0", "an integer ≥ 1", "a finite number in [0, 1)" … */
export function describeRange(range: Range): string {
  const kind = range.integer ? 'an integer' : 'a finite number';
  const { min, max } = range;
  if (min !== undefined && max !== undefined) {
    return `${kind} in ${range.exclusiveMin ? '(' : '['}${min}, ${max}${range.exclusiveMax ? ')' : ']'}`;
  }
  if (min !== undefined) return `${kind} ${range.exclusiveMin ? '>' : '≥'} ${min}`;
  if (max !== undefined) return `${kind} ${range.exclusiveMax ? '<' : '≤'} ${max}`;
  return kind;
}

/** Whether `value` is a number inside `range`. */
export function inRange(value: unknown, range: Range): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (range.integer && !Number.isInteger(value)) return false;
  if (range.min !== undefined && (range.exclusiveMin ? value <= range.min : value < range.min)) return false;
  if (range.max !== undefined && (range.exclusiveMax ? value >= range.max : value > range.max)) return false;
  return true;
}

/**
 * Throws unless `value` is a number in `range`. `owner` names who asks (a plugin or function),
 * `option` the parameter: `sam: option 'rho' must be a finite number ≥ 0; got -1.`
 */
export function checkNumber(owner: string, option: string, value: unknown, range: Range = {}): number {
  if (!inRange(value, range)) {
    throw new FlatoptError(
      `${owner}: option '${option}' must be ${describeRange(range)}; got ${describe(value)}.`,
    );
  }
  return value;
}

/** Throws unless `value` is one of `allowed`. */
export function checkOneOf<T extends string>(
  owner: string,
  option: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const list = allowed.map((a) => `'${a}'`).join(', ');
    throw new FlatoptError(`${owner}: option '${option}' must be one of ${list}; got ${describe(value)}.`);
  }
  return value as T;
}

/**
 * Throws on option names that `owner` does not know: a typo such as `{ rhoo: 0.05 }` must not
 * silently train with the default.
 */
export function checkKnownKeys(owner: string, options: object | undefined, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new FlatoptError(`${owner}: options must be an object; got ${describe(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const list = allowed.map((a) => `'${a}'`).join(', ');
      throw new FlatoptError(`${owner}: unknown option '${key}'; allowed options are ${list}.`);
    }
  }
}

/** Throws unless `value` is a boolean: `sam: option 'adaptive' must be true or false; got "yes".` */
export function checkBoolean(owner: string, option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new FlatoptError(`${owner}: option '${option}' must be true or false; got ${describe(value)}.`);
  }
  return value;
}
