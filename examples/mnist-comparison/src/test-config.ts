import { DEFAULT_CONFIG, type Config } from './config';

/** The smallest configuration that exercises every path: 30 training and 20 test digits, 1 epoch. For tests. */
export const TINY_CONFIG: Config = {
  ...DEFAULT_CONFIG,
  trainPerDigit: 3,
  testPerDigit: 2,
  hidden: 8,
  batch: 10,
  epochs: 1,
  seeds: 1,
  curvePoints: 2,
  timingWarmup: 1,
  timingRounds: 2,
};
