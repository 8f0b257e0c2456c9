import { describe, expect, it } from 'vitest';
import { configFromFlags, parseFlags, USAGE } from './cli';
import { DEFAULT_CONFIG, FULL_CONFIG } from './config';

describe('parseFlags', () => {
  it('defaults to the default preset, all methods, results/ and the automatic backend', () => {
    // Issue 16: the default wrote into the tracked results/, leaving a clone dirty after `pnpm demo`.
    expect(parseFlags([])).toEqual({ full: false, sweep: false, out: 'results/latest', help: false });
    expect(parseFlags(['--sweep']).sweep).toBe(true);
    expect(parseFlags(['--experiment', 'all']).experiments).toEqual(['karakida', 'barrett-dherin']);
    expect(parseFlags(['--experiment=barrett-dherin']).experiments).toEqual(['barrett-dherin']);
    expect(() => parseFlags(['--experiment', 'lion'])).toThrow(
      "--experiment: unknown experiment 'lion'; choose from karakida, barrett-dherin, or all",
    );
    expect(configFromFlags(parseFlags([]))).toEqual(DEFAULT_CONFIG);
  });

  it('reads every flag, as --flag value or --flag=value, skipping the -- pnpm passes through', () => {
    const flags = parseFlags([
      '--',
      '--full',
      '--seeds',
      '3',
      '--epochs=4',
      '--methods',
      'adam, sam,fgr-flood',
      '--out',
      'x/y',
      '--backend=tfjs-node',
      '--noise',
      '0,0.2',
    ]);
    expect(flags).toEqual({
      full: true,
      sweep: false,
      noise: [0, 0.2],
      seeds: 3,
      epochs: 4,
      methods: ['adam', 'sam', 'fgr-flood'],
      out: 'x/y',
      backend: 'tensorflow',
      help: false,
    });
    expect(parseFlags(['--backend', 'wasm']).backend).toBe('wasm');
    expect(parseFlags(['--backend', 'cpu']).backend).toBe('cpu');
    expect(parseFlags(['--help']).help).toBe(true);
    expect(parseFlags(['-h']).help).toBe(true);
  });

  it('rejects unknown flags, missing values and bad values with a message naming the flag', () => {
    expect(() => parseFlags(['--fast'])).toThrow("unknown argument '--fast' (see --help)");
    expect(() => parseFlags(['seeds'])).toThrow("unknown argument 'seeds' (see --help)");
    expect(() => parseFlags(['--full=yes'])).toThrow("unknown argument '--full=yes' (see --help)");
    expect(() => parseFlags(['--seeds'])).toThrow('--seeds needs a value');
    expect(() => parseFlags(['--seeds', '0'])).toThrow("--seeds takes an integer ≥ 1; got '0'");
    expect(() => parseFlags(['--epochs', '2.5'])).toThrow("--epochs takes an integer ≥ 1; got '2.5'");
    expect(() => parseFlags(['--noise', '0,1'])).toThrow(
      "--noise takes levels in [0, 1), comma-separated; got '0,1'",
    );
    expect(() => parseFlags(['--noise', '0,,0.2'])).toThrow('--noise takes levels in [0, 1)');
    expect(() => parseFlags(['--epochs', ''])).toThrow("--epochs takes an integer ≥ 1; got ''");
    expect(() => parseFlags(['--methods', 'adam,lion'])).toThrow(
      "--methods: unknown method 'lion'; choose from sgd, adam, sam, sam-warm, asam, fgr, fgr-strong, bgr, db, flood, wn, ema, swa, sam-flood, fgr-flood",
    );
    expect(() => parseFlags(['--methods', ','])).toThrow('--methods needs at least one method');
    expect(() => parseFlags(['--backend', 'webgl'])).toThrow(
      "--backend takes tfjs-node, wasm or cpu; got 'webgl'",
    );
  });
});

describe('configFromFlags', () => {
  it('takes the --full preset and applies --seeds and --epochs over either preset', () => {
    expect(configFromFlags(parseFlags(['--full']))).toEqual(FULL_CONFIG);
    const c = configFromFlags(parseFlags(['--full', '--seeds', '5', '--epochs', '1']));
    expect([c.seeds, c.epochs, c.hidden]).toEqual([5, 1, FULL_CONFIG.hidden]);
    expect(configFromFlags(parseFlags(['--seeds', '1'])).trainPerDigit).toBe(DEFAULT_CONFIG.trainPerDigit);
  });

  it('documents every flag in the usage text', () => {
    for (const flag of ['--full', '--seeds', '--epochs', '--methods', '--out', '--backend', '--help']) {
      expect(USAGE).toContain(flag);
    }
  });
});
