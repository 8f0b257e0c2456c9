import { DEFAULT_CONFIG, FULL_CONFIG, type Config } from './config';
import { EXPERIMENTS } from './experiments';
import { DEFAULT_METHODS, METHODS } from './methods';

/** The label-noise levels `pnpm demo` compares: clean labels, then 40% symmetric noise. */
export const DEFAULT_NOISE: readonly number[] = [0, 0.4];

/**
 * Where a run writes: a git-ignored folder, so that running the demo leaves a clone clean. The
 * tracked files under results/ (the root README's tables come from them) are written with
 * `--out results`.
 */
export const DEFAULT_OUT = 'results/latest';

/** The command line, parsed. Unset numbers fall back to the preset (`--full` or the default). */
export interface Flags {
  readonly full: boolean;
  /** Choose hyperparameters on a validation split and write them to sweep.json, instead of comparing. */
  readonly sweep: boolean;
  /** Run these paper-claim experiments ('all': every one) and write experiments.json, instead of comparing. */
  readonly experiments?: readonly string[];
  readonly seeds?: number;
  readonly epochs?: number;
  /** Label-noise levels, one comparison each (default: clean, then 40%). */
  readonly noise?: readonly number[];
  /** Method keys, in the order given. */
  readonly methods?: readonly string[];
  readonly out: string;
  /** 'tensorflow' (tfjs-node), 'wasm' or 'cpu'; unset: tfjs-node if installed, else wasm, else cpu. */
  readonly backend?: string;
  readonly help: boolean;
}

const BACKENDS: Record<string, string> = {
  'tfjs-node': 'tensorflow',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

export const USAGE = `Usage: pnpm demo [-- flags]     (from the repository root; in examples/mnist-comparison: pnpm start [-- flags])

Trains one MLP on real MNIST digits, with clean labels and with 40% label noise, using optimizers and
plugin stacks (${DEFAULT_METHODS.length} by default, ${METHODS.length} with --methods all). For each it compares final and best test
accuracy, how many noisy labels were memorized, sharpness (λ_max, R_IG), gradient evaluations and
step time (relative to Adam, measured in the run), with a paired t-test against Adam over the seeds.

  --sweep              choose the strong settings (ρ with warm-up, γ = ε, flood level, SGD's lr)
                       on a validation split, per noise level, and write them to <out>/sweep.json,
                       which the comparison then uses (2 seeds per value unless --seeds)
  --experiment <list>  run paper-claim experiments (${EXPERIMENTS.map((e) => e.key).join(', ')}, or all) and write
                       <out>/experiments.json, instead of comparing
  --full               larger run: ${10 * FULL_CONFIG.trainPerDigit} training digits, 784-${FULL_CONFIG.hidden}-10, ${FULL_CONFIG.epochs} epochs, ${FULL_CONFIG.seeds} seeds
                       (default: ${10 * DEFAULT_CONFIG.trainPerDigit} digits, 784-${DEFAULT_CONFIG.hidden}-10, ${DEFAULT_CONFIG.epochs} epochs, ${DEFAULT_CONFIG.seeds} seeds)
  --seeds <n>          seeds per method (each fixes the initial weights and the minibatch order)
  --epochs <n>         epochs per run
  --noise <list>       label-noise levels in [0, 1), one comparison each (default ${DEFAULT_NOISE.join(',')}: clean, then 40%)
  --methods <list>     comma-separated, from: ${METHODS.map((m) => m.key).join(', ')}, or all
                       (default: ${DEFAULT_METHODS.join(', ')})
  --out <dir>          where mnist.json, the SVG charts, sweep.json and experiments.json go (default
                       results/latest, git-ignored; --out results updates the tracked files)
  --backend <name>     tfjs-node, wasm or cpu (default: tfjs-node if installed, else wasm, else cpu)
  --help               this text`;

function positiveInteger(name: string, raw: string): number {
  const n = Number(raw);
  if (!(raw.trim() !== '' && Number.isInteger(n) && n >= 1)) {
    throw new Error(`--${name} takes an integer ≥ 1; got '${raw}'`);
  }
  return n;
}

function noiseList(raw: string): number[] {
  const levels = raw.split(',').map((s) => s.trim());
  for (const level of levels) {
    const n = Number(level);
    if (level === '' || !(n >= 0 && n < 1))
      throw new Error(`--noise takes levels in [0, 1), comma-separated; got '${raw}'`);
  }
  return levels.map(Number);
}

function experimentList(raw: string): string[] {
  const keys = raw.split(',').map((s) => s.trim());
  if (keys.length === 1 && keys[0] === 'all') return EXPERIMENTS.map((e) => e.key);
  const known = EXPERIMENTS.map((e) => e.key);
  const unknown = keys.find((k) => !known.includes(k));
  if (unknown !== undefined)
    throw new Error(`--experiment: unknown experiment '${unknown}'; choose from ${known.join(', ')}, or all`);
  return keys;
}

function methodList(raw: string): string[] {
  const keys = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (keys.length === 1 && keys[0] === 'all') return keys;
  const known = METHODS.map((m) => m.key);
  const unknown = keys.find((k) => !known.includes(k));
  if (unknown !== undefined)
    throw new Error(`--methods: unknown method '${unknown}'; choose from ${known.join(', ')}`);
  if (keys.length === 0) throw new Error('--methods needs at least one method');
  return keys;
}

function backendName(raw: string): string {
  const name = BACKENDS[raw];
  if (!name) throw new Error(`--backend takes tfjs-node, wasm or cpu; got '${raw}'`);
  return name;
}

const VALUED: Record<string, (raw: string) => Partial<Flags>> = {
  seeds: (raw) => ({ seeds: positiveInteger('seeds', raw) }),
  epochs: (raw) => ({ epochs: positiveInteger('epochs', raw) }),
  methods: (raw) => ({ methods: methodList(raw) }),
  noise: (raw) => ({ noise: noiseList(raw) }),
  experiment: (raw) => ({ experiments: experimentList(raw) }),
  out: (raw) => ({ out: raw }),
  backend: (raw) => ({ backend: backendName(raw) }),
};

/**
 * Parses `--flag value` and `--flag=value` (a bare `--`, which pnpm passes through, is skipped).
 * Throws an Error whose message names the offending argument on anything it does not know.
 */
export function parseFlags(argv: readonly string[]): Flags {
  let flags: Flags = { full: false, sweep: false, out: DEFAULT_OUT, help: false };
  const args = argv.filter((a) => a !== '--');
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i].startsWith('--') ? splitFlag(args[i].slice(2)) : [undefined, undefined];
    if (name === 'help' || args[i] === '-h') flags = { ...flags, help: true };
    else if (name === 'full' && inline === undefined) flags = { ...flags, full: true };
    else if (name === 'sweep' && inline === undefined) flags = { ...flags, sweep: true };
    else if (name !== undefined && Object.hasOwn(VALUED, name)) {
      const raw = inline ?? args[++i];
      if (raw === undefined) throw new Error(`--${name} needs a value`);
      flags = { ...flags, ...VALUED[name](raw) };
    } else {
      throw new Error(`unknown argument '${args[i]}' (see --help)`);
    }
  }
  return flags;
}

function splitFlag(body: string): [string, string | undefined] {
  const eq = body.indexOf('=');
  return eq < 0 ? [body, undefined] : [body.slice(0, eq), body.slice(eq + 1)];
}

/** The preset the flags choose, with `--seeds` and `--epochs` applied. */
export function configFromFlags(flags: Flags): Config {
  const preset = flags.full ? FULL_CONFIG : DEFAULT_CONFIG;
  return { ...preset, seeds: flags.seeds ?? preset.seeds, epochs: flags.epochs ?? preset.epochs };
}
