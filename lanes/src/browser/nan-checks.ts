/**
 * Browser lane, item 5: what a NaN loss must do. Default policy ('throw'): weights and the
 * wrapped optimizer's state stay bit-identical, and the non-finite error surfaces from that call,
 * from `settled()`, or from the next call. 'skip': state unchanged and `stepAsync` reports
 * `skipped: true`.
 */
import { expect } from 'vitest';
import type { BackendName } from '@flatopt/core/testing';
import type { LanePage } from './lane-page';
import type { SkipPolicyReport, StateChange, ThrowPolicyReport } from './page/non-finite';

/**
 * Weights and optimizer state (moments, hidden and plugin state) bit-identical; the iteration
 * count too once the verdict is in. Right after a NaN step on the device path the count may be
 * one ahead: it is a host number, corrected when the asynchronous check reports.
 */
function expectUnchanged(change: StateChange, when: string, verdictIn: boolean): void {
  expect(change.weights, `weights ${when}`).toMatchObject({ differing: 0, where: [] });
  expect(change.state, `optimizer state ${when}`).toMatchObject({ differing: 0, where: [] });
  expect(change.weights.total).toBeGreaterThan(0);
  expect(change.state.total).toBeGreaterThan(0);
  const [before, after] = change.iterations;
  if (verdictIn) expect(after, `iterations ${when} (were ${before})`).toBe(before);
}

export async function checkNanUnderThrow(
  page: LanePage,
  backend: BackendName,
  optimizer: string,
): Promise<void> {
  const r = await page.call<ThrowPolicyReport>('nanUnderThrow', backend, optimizer);
  expect(r.surfaced, `the non-finite error surfaced from: ${r.surfaced}`).not.toBe('nowhere');
  expect(r.error).toMatch(/non-finite.*NaN/s);
  expectUnchanged(r.afterCall, 'after the NaN step', r.surfaced === 'call');
  expectUnchanged(r.afterError, `after the error surfaced (${r.surfaced})`, true);
}

export async function checkNanUnderSkip(
  page: LanePage,
  backend: BackendName,
  optimizer: string,
): Promise<void> {
  const r = await page.call<SkipPolicyReport>('nanUnderSkip', backend, optimizer);
  expect(r.skipped).toBe(true);
  expectUnchanged(r.after, 'after the skipped step', true); // the page awaited settled()
}
