import type { Benchmark } from '../benchmark';
import { averagingBenchmark } from './averaging';
import { convNetBenchmark } from './conv-net';
import { coreOverhead } from './core-overhead';
import { gradRegBenchmark } from './grad-reg';
import { HAND_WRITTEN_PAIRS, handWrittenBenchmark } from './hand-written';
import { igrMonitorBenchmark } from './igr-monitor';
import { samFloodingBenchmark } from './sam-flooding';
import { stacksBenchmark } from './stacks';
import { transformsBenchmark } from './transforms';
import { weightNormBenchmark } from './weight-norm';

/** Every benchmark `--benchmark` can name, in the order a run without the flag takes them. */
export const BENCHMARKS: readonly Benchmark[] = [
  coreOverhead(),
  gradRegBenchmark(),
  samFloodingBenchmark(),
  weightNormBenchmark(),
  stacksBenchmark(),
  convNetBenchmark(),
  handWrittenBenchmark(HAND_WRITTEN_PAIRS.sam),
  handWrittenBenchmark(HAND_WRITTEN_PAIRS.gr),
  igrMonitorBenchmark(),
  averagingBenchmark(),
  transformsBenchmark(),
];
