import '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMETERS } from './config';
import { buildOptimizer, METHODS, selectMethods } from './methods';

const hp = DEFAULT_HYPERPARAMETERS;

describe('METHODS', () => {
  it('are the fifteen methods, with unique keys and labels, each naming its paper', () => {
    expect(METHODS.map((m) => m.key)).toEqual([
      'sgd',
      'adam',
      'sam',
      'sam-warm',
      'asam',
      'fgr',
      'fgr-strong',
      'bgr',
      'db',
      'flood',
      'wn',
      'ema',
      'swa',
      'sam-flood',
      'fgr-flood',
    ]);
    expect(new Set(METHODS.map((m) => m.label)).size).toBe(15);
    for (const m of METHODS) expect(m.paper).toMatch(/\d{4}/);
  });

  it('wrap the optimizer each names with its plugins, outermost first, set from the hyperparameters', () => {
    const config = (key: string) => {
      const optimizer = buildOptimizer(selectMethods([key])[0], hp);
      const c = optimizer.getConfig() as { optimizer: { className: string }; plugins: unknown[] };
      optimizer.dispose();
      return [c.optimizer.className, c.plugins];
    };
    expect(config('sgd')).toEqual(['Momentum', []]);
    expect(config('adam')).toEqual(['Adam', []]);
    expect(JSON.stringify(config('asam'))).toMatch(/"rho":0\.5.*"adaptive":true.*"eta":0\.01/);
    expect(JSON.stringify(config('bgr'))).toMatch(/"method":"backward"/);
    expect(JSON.stringify(config('fgr-strong'))).toMatch(/"gamma":0\.2,"epsilon":0\.2/);
    // ρ rises linearly from 0 to 0.5 over the first 160 steps.
    expect(JSON.stringify(config('sam-warm'))).toMatch(
      /"rho":\{"schedule":"linear","from":0,"to":0\.5,"steps":160/,
    );
    expect(JSON.stringify(config('db'))).toMatch(/"method":"double-backprop"/);
    expect(JSON.stringify(config('sam-flood'))).toMatch(/"name":"sam".*"name":"flooding".*"level":0\.2/);
    expect(JSON.stringify(config('fgr-flood'))).toMatch(/"name":"gradReg".*"name":"flooding"/);
  });
});

describe('selectMethods', () => {
  it('keeps table order, defaults to the demo’s seven, takes all, and refuses an unknown key', () => {
    expect(selectMethods(['db', 'adam']).map((m) => m.key)).toEqual(['adam', 'db']);
    expect(selectMethods().map((m) => m.key)).toEqual([
      'adam',
      'sam',
      'sam-warm',
      'fgr-strong',
      'flood',
      'ema',
      'swa',
    ]);
    expect(selectMethods(['all'])).toHaveLength(15);
    expect(() => selectMethods(['adam', 'lion'])).toThrow(/^unknown method 'lion'; choose from sgd, adam/);
  });
});
