import { describe, expect, it } from 'vitest';
import { registerOptionalBackends } from './backends';
import { isUsageError } from './cli';

const absent = () => ({ available: false, reason: 'tfjs-node is not installed in .tfjs-node/' });
const present = () => ({
  available: true,
  reason: 'tfjs-node 4.22.0 from .tfjs-node/, TensorFlow 2.21.0',
  versions: { 'tfjs-node': '4.22.0', tensorflow: '2.21.0' },
});

describe('registerOptionalBackends', () => {
  it('leaves tfjs-node alone unless tensorflow is asked for', () => {
    let loads = 0;
    const load = () => (loads++, present());
    expect(registerOptionalBackends(['wasm', 'cpu'], load)).toEqual({});
    expect(loads).toBe(0);
  });

  it('loads tfjs-node for tensorflow and reports its versions for the environment', () => {
    let loads = 0;
    const load = () => (loads++, present());
    expect(registerOptionalBackends(['wasm', 'cpu', 'tensorflow'], load)).toEqual({
      'tfjs-node': '4.22.0',
      tensorflow: '2.21.0',
    });
    expect(loads).toBe(1);
  });

  it('refuses tensorflow without tfjs-node, naming the reason and `pnpm tfjs-node`', () => {
    let thrown: unknown;
    try {
      registerOptionalBackends(['tensorflow'], absent);
    } catch (error) {
      thrown = error;
    }
    expect(isUsageError(thrown)).toBe(true);
    expect((thrown as Error).message).toBe(
      '--backends tensorflow needs tfjs-node: tfjs-node is not installed in .tfjs-node/; ' +
        '`pnpm tfjs-node` installs it into .tfjs-node/, or says why it cannot',
    );
  });
});
