import { describe, expect, it } from 'vitest';
import { flatoptErrorMessage } from './testing/errors';
import { checkBoolean, checkKnownKeys, checkNumber, checkOneOf, describeRange, inRange } from './validate';

const message = flatoptErrorMessage;

describe('describeRange', () => {
  it.each([
    [{}, 'a finite number'],
    [{ integer: true }, 'an integer'],
    [{ min: 0 }, 'a finite number ≥ 0'],
    [{ min: 0, exclusiveMin: true }, 'a finite number > 0'],
    [{ max: 1 }, 'a finite number ≤ 1'],
    [{ max: 1, exclusiveMax: true }, 'a finite number < 1'],
    [{ min: 0, max: 1 }, 'a finite number in [0, 1]'],
    [{ min: 0, max: 1, exclusiveMin: true }, 'a finite number in (0, 1]'],
    [{ min: 0, max: 1, exclusiveMax: true }, 'a finite number in [0, 1)'],
    [{ min: 0, max: 1, exclusiveMin: true, exclusiveMax: true }, 'a finite number in (0, 1)'],
    [{ min: 1, integer: true }, 'an integer ≥ 1'],
    [{ min: -2, max: 8, integer: true }, 'an integer in [-2, 8]'],
  ])('%j → %s', (range, text) => {
    expect(describeRange(range)).toBe(text);
  });
});

describe('inRange', () => {
  it('treats bounds as inclusive unless marked exclusive', () => {
    expect([inRange(0, { min: 0 }), inRange(1, { max: 1 })]).toEqual([true, true]);
    expect([inRange(0, { min: 0, exclusiveMin: true }), inRange(1, { max: 1, exclusiveMax: true })]).toEqual([
      false,
      false,
    ]);
    expect([inRange(-1e-12, { min: 0 }), inRange(1 + 1e-12, { max: 1 })]).toEqual([false, false]);
    expect(inRange(Number.MIN_VALUE, { min: 0, exclusiveMin: true })).toBe(true);
  });
});

describe('checkNumber', () => {
  it('returns the value when it is allowed, including on inclusive bounds', () => {
    expect(checkNumber('sam', 'rho', 0, { min: 0 })).toBe(0);
    expect(checkNumber('sam', 'rho', 1, { min: 0, max: 1 })).toBe(1);
    expect(checkNumber('x', 'n', 3, { min: 1, integer: true })).toBe(3);
    expect(checkNumber('x', 'y', -1e300)).toBe(-1e300);
  });

  it.each([
    [NaN, {}, "sam: option 'rho' must be a finite number; got NaN."],
    [Infinity, {}, "sam: option 'rho' must be a finite number; got Infinity."],
    [-Infinity, { max: 0 }, "sam: option 'rho' must be a finite number ≤ 0; got -Infinity."],
    ['0.05', { min: 0 }, 'sam: option \'rho\' must be a finite number ≥ 0; got "0.05".'],
    [undefined, {}, "sam: option 'rho' must be a finite number; got undefined."],
    [null, {}, "sam: option 'rho' must be a finite number; got null."],
    [true, {}, "sam: option 'rho' must be a finite number; got true."],
    [[0.05], {}, "sam: option 'rho' must be a finite number; got an array of length 1."],
    [2.5, { min: 1, integer: true }, "sam: option 'rho' must be an integer ≥ 1; got 2.5."],
    [Infinity, { integer: true }, "sam: option 'rho' must be an integer; got Infinity."],
    [-1, { min: 0 }, "sam: option 'rho' must be a finite number ≥ 0; got -1."],
    [0, { min: 0, exclusiveMin: true }, "sam: option 'rho' must be a finite number > 0; got 0."],
    [
      1,
      { min: 0, max: 1, exclusiveMax: true },
      "sam: option 'rho' must be a finite number in [0, 1); got 1.",
    ],
    [1.5, { min: 0, max: 1 }, "sam: option 'rho' must be a finite number in [0, 1]; got 1.5."],
  ])('refuses %j with range %j', (value, range, text) => {
    expect(message(() => checkNumber('sam', 'rho', value, range))).toBe(text);
  });
});

describe('checkOneOf', () => {
  const policies = ['throw', 'skip', 'ignore'] as const;

  it('returns an allowed value', () => {
    expect(checkOneOf('withPlugins', 'nonFinite', 'skip', policies)).toBe('skip');
  });

  it.each([
    ['never', 'got "never".'],
    ['Skip', 'got "Skip".'],
    [1, 'got 1.'],
    [undefined, 'got undefined.'],
  ])('refuses %j, listing what is allowed', (value, got) => {
    expect(message(() => checkOneOf('withPlugins', 'nonFinite', value, policies))).toBe(
      `withPlugins: option 'nonFinite' must be one of 'throw', 'skip', 'ignore'; ${got}`,
    );
  });
});

describe('checkKnownKeys', () => {
  it('accepts known keys, an empty object and undefined', () => {
    expect(() => checkKnownKeys('sam', { rho: 0.05 }, ['rho', 'adaptive'])).not.toThrow();
    expect(() => checkKnownKeys('sam', {}, ['rho'])).not.toThrow();
    expect(() => checkKnownKeys('sam', undefined, ['rho'])).not.toThrow();
  });

  it('names a typo and lists the allowed options', () => {
    expect(message(() => checkKnownKeys('sam', { rho: 0.05, adaptve: true }, ['rho', 'adaptive']))).toBe(
      "sam: unknown option 'adaptve'; allowed options are 'rho', 'adaptive'.",
    );
    expect(message(() => checkKnownKeys('sam', { rhoo: 0.05 }, ['rho']))).toBe(
      "sam: unknown option 'rhoo'; allowed options are 'rho'.",
    );
  });

  it('refuses options that are not an object', () => {
    expect(message(() => checkKnownKeys('sam', null as never, ['rho']))).toBe(
      'sam: options must be an object; got null.',
    );
    expect(message(() => checkKnownKeys('sam', [0.05], ['rho']))).toBe(
      'sam: options must be an object; got an array of length 1.',
    );
    expect(message(() => checkKnownKeys('sam', 0.05 as never, ['rho']))).toBe(
      'sam: options must be an object; got 0.05.',
    );
  });
});

describe('checkBoolean', () => {
  it('passes booleans through and names anything else', () => {
    expect(checkBoolean('sam', 'adaptive', false)).toBe(false);
    expect(message(() => checkBoolean('sam', 'adaptive', 'yes'))).toBe(
      'sam: option \'adaptive\' must be true or false; got "yes".',
    );
    expect(message(() => checkBoolean('sam', 'normalize', 1))).toBe(
      "sam: option 'normalize' must be true or false; got 1.",
    );
  });
});
