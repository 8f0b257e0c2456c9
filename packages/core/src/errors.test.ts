import * as tf from '@tensorflow/tfjs';
import { describe as suite, expect, it } from 'vitest';
import { describe, FlatoptError } from './errors';

suite('FlatoptError', () => {
  it('is an Error named FlatoptError that carries its message', () => {
    const e = new FlatoptError('sam: option rho is wrong.');
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(FlatoptError);
    expect(e.name).toBe('FlatoptError');
    expect(e.message).toBe('sam: option rho is wrong.');
    expect(String(e)).toBe('FlatoptError: sam: option rho is wrong.');
  });
});

suite('describe', () => {
  class Custom {}
  function named() {}

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['"abc"', 'abc'],
    ['""', ''],
    ['"a\\"b"', 'a"b'],
    ['0.05', 0.05],
    ['-1', -1],
    ['NaN', NaN],
    ['-Infinity', -Infinity],
    ['false', false],
    ['10', 10n],
    ['a function (named)', named],
    ['an array of length 0', []],
    ['an array of length 3', [1, 2, 3]],
    ['an object', { rho: 1 }],
    ['an object', Object.create(null)],
    ['an instance of Custom', new Custom()],
    ['an instance of Map', new Map()],
  ])('gives %s', (text, value) => {
    expect(describe(value)).toBe(text);
  });

  it('describes an anonymous function and a tensor', () => {
    expect(describe([() => 1][0])).toBe('a function');
    const t = tf.scalar(1);
    expect(describe(t)).toBe('an instance of Tensor');
    t.dispose();
  });
});
