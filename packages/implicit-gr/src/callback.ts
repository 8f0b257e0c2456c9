import { FlatoptError } from '@flatopt/core';
import type { IgrMonitor, IgrRecord } from './monitor';

/** The figures `igrCallback` adds to `model.fit`'s logs, with their log keys. */
const LOG_KEYS = {
  gradNormSq: 'igrGradNormSq',
  rIg: 'igrRIg',
  lambda: 'igrLambda',
  penalty: 'igrPenalty',
  modifiedLoss: 'igrModifiedLoss',
  ratio: 'igrRatio',
} as const satisfies Partial<Record<keyof IgrRecord, string>>;

type Logs = Record<string, unknown>;

/** The callbacks `model.fit({ callbacks })` accepts (tfjs-layers' CustomCallbackArgs shape). */
export interface IgrFitCallback {
  onEpochBegin(epoch: number, logs?: Logs): Promise<void>;
  onBatchEnd(batch: number, logs?: Logs): void;
  onEpochEnd(epoch: number, logs?: Logs): Promise<void>;
}

/**
 * Puts an `igrMonitor`'s figures into `model.fit`'s logs: each batch's logs get the latest record
 * that has arrived (`igrRIg`, `igrRatio`, `igrPenalty`, `igrModifiedLoss`, `igrGradNormSq`,
 * `igrLambda`), and each epoch's logs — hence `history.history` — the mean over the epoch's
 * records, or NaN for an epoch in which the monitor recorded nothing (with `every` larger than an
 * epoch's steps), so that `history.history.igrRIg[e]` is always epoch e's. The monitor reads without blocking, so on WebGL/WebGPU a batch's logs may show an
 * earlier batch's record; the epoch means wait for every record of the epoch (`monitor.flush()`).
 * Pass it with the optimizer that holds the monitor:
 * `model.fit(x, y, { callbacks: [igrCallback(monitor)] })`. Needs no tfjs-layers import (fit
 * accepts plain callback objects).
 */
export function igrCallback(monitor: IgrMonitor): IgrFitCallback {
  if (!monitor || typeof monitor !== 'object' || !('records' in monitor) || monitor.type !== 'igrMonitor') {
    throw new FlatoptError(`igrCallback: argument 'monitor' must be the plugin igrMonitor() returned.`);
  }
  let seen: IgrRecord | undefined;
  let start = 0;
  const write = (logs: Logs | undefined, values: (key: keyof typeof LOG_KEYS) => number) => {
    if (!logs) return;
    for (const [key, logKey] of Object.entries(LOG_KEYS)) logs[logKey] = values(key as keyof typeof LOG_KEYS);
  };
  return {
    onEpochBegin: async () => {
      await monitor.flush();
      start = monitor.total;
    },
    onBatchEnd: (_batch, logs) => {
      const latest = monitor.latest;
      if (!latest || latest === seen) return;
      seen = latest;
      write(logs, (key) => latest[key]);
    },
    onEpochEnd: async (_epoch, logs) => {
      await monitor.flush();
      const count = Math.min(monitor.total - start, monitor.records.length);
      // NaN for an epoch without a record (the monitor's `every` > steps per epoch), so that every
      // epoch has an entry and history.history's indices stay the epochs'.
      if (count === 0) return write(logs, () => NaN);
      const epoch = monitor.records.slice(-count);
      write(logs, (key) => epoch.reduce((s, r) => s + r[key], 0) / epoch.length);
    },
  };
}
