/**
 * Browser lane, item 2: which blocking-read counts to assert, and what they must be. The design
 * allows no blocking read on the training path (the bare tfjs optimizer makes none on GPU
 * backends); `step()` may read its report once; `stepAsync()` reads nothing blocking.
 */
import { expect } from 'vitest';
import type { BackendName } from '@flatopt/core/testing';
import { ALL_SUBJECTS } from './plan';
import { BATCHES_PER_EPOCH, FIT_EPOCHS, RAW_STEPS } from './steps';
import type { EntryPoint, ReadCount } from './page/reads';
import type { LanePage } from './lane-page';

/** Named as page/optimizers.ts names them. */
export const BARE = 'bare';
export const NO_PLUGINS = 'no plugins';

const RAW: EntryPoint[] = ['minimize', 'step', 'stepAsync'];
const LAYERS: EntryPoint[] = ['fit', 'fitDataset', 'trainOnBatch'];

export interface ReadCase {
  /** 'bare', 'no plugins' or a conformance subject's name. */
  optimizer: string;
  entry: EntryPoint;
}

/**
 * The entry points each optimizer is trained through: the tfjs-layers ones only for subjects the
 * kit also runs under tfjs-layers (`layers !== false`, as for the kit's own layers checks).
 */
export function readCases(
  optimizers: readonly string[],
  entries: readonly EntryPoint[] = [...RAW, ...LAYERS],
): ReadCase[] {
  return optimizers.flatMap((optimizer) => {
    const subject = ALL_SUBJECTS.find((s) => s.subject.name === optimizer)?.subject;
    return entries
      .filter((entry) => optimizer !== BARE || !['step', 'stepAsync'].includes(entry)) // PluggedOptimizer methods
      .filter((entry) => subject?.layers !== false || !LAYERS.includes(entry))
      .map((entry) => ({ optimizer, entry }));
  });
}

/** 'tf.train.adam', 'withPlugins(adam)' or 'withPlugins(adam, <subject>)', for test names. */
export function optimizerLabel(optimizer: string): string {
  if (optimizer === BARE) return 'tf.train.adam';
  return optimizer === NO_PLUGINS ? 'withPlugins(adam)' : `withPlugins(adam, ${optimizer})`;
}

export function describeReads(c: ReadCase): string {
  let expected = c.entry === 'step' ? 'at most 1 blocking read per step' : '0 blocking reads per step';
  if (c.entry === 'fit') expected += `, over ${FIT_EPOCHS} epochs with numTensors unchanged after the first`;
  return `${optimizerLabel(c.optimizer)} ${c.entry}: ${expected}`;
}

export async function checkReads(page: LanePage, backend: BackendName, c: ReadCase): Promise<void> {
  const got = await page.call<ReadCount>('blockingReads', backend, c.optimizer, c.entry);
  const steps =
    c.entry === 'fit'
      ? BATCHES_PER_EPOCH * FIT_EPOCHS
      : LAYERS.includes(c.entry)
        ? BATCHES_PER_EPOCH
        : RAW_STEPS;
  expect(got.perStep).toHaveLength(steps);
  if (c.entry === 'fit') {
    // Item 3: nothing leaked per epoch (the first creates the optimizer's state).
    expect(got.tensorsAfterEpoch).toHaveLength(FIT_EPOCHS);
    const [first, ...later] = got.tensorsAfterEpoch!;
    expect(
      later.map((n) => n - first),
      'tensors gained since the end of epoch 1',
    ).toEqual(later.map(() => 0));
  }
  if (c.entry === 'step') {
    expect(Math.max(...got.perStep)).toBeLessThanOrEqual(1);
    return;
  }
  // 0 per step, and 0 in all: the bare optimizer's count under every entry point (its own tests here).
  expect(got.perStep, 'blocking reads per step').toEqual(Array(steps).fill(0));
  expect(got.total, 'blocking reads in all').toBe(0);
}
