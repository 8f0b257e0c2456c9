/**
 * Browser lane on WebGL, items 4–5: a plugged model saved to browser storage and loaded back
 * trains on bit-identically; a NaN loss changes nothing and surfaces as an error (or is skipped
 * under 'skip'). (Item 3, leaks per epoch of fit, rides on the fit run of reads.webgl.test.ts.)
 */
import { expect, it } from 'vitest';
import { WEBGL_FLAGS } from './flags';
import { checkNanUnderSkip, checkNanUnderThrow } from './nan-checks';
import { ALL_SUBJECTS } from './plan';
import { NO_PLUGINS, optimizerLabel } from './read-cases';
import { describeBrowser, usePage } from './use-page';
import type { SaveLoadReport, Storage } from './page/save-load';

const SUBJECT_NAMES = ALL_SUBJECTS.map((s) => s.subject.name);
/** Subjects the kit runs under tfjs-layers (`layers !== false`). */
const LAYERS_SUBJECTS = ALL_SUBJECTS.filter((s) => s.subject.layers !== false).map((s) => s.subject.name);

describeBrowser('training on webgl', () => {
  const page = usePage('webgl', WEBGL_FLAGS);

  const storages: Storage[] = ['indexeddb', 'localstorage'];
  for (const optimizer of [NO_PLUGINS, ...LAYERS_SUBJECTS]) {
    // Alternate the storage, so both are exercised without doubling the run.
    const storage = storages[LAYERS_SUBJECTS.indexOf(optimizer) & 1];
    it(`${optimizerLabel(optimizer)} ${storage}:// save with the optimizer, load, train on bit-identically`, async () => {
      const r = await page().call<SaveLoadReport>('saveLoad', 'webgl', optimizer, storage);
      expect(r.loadedIsPlugged, `loaded optimizer: ${r.loadedClass}`).toBe(true);
      expect(r.loadedConfig).toBe(r.savedConfig);
      expect(r.iterations[1]).toBe(r.iterations[0]);
      expect(r.weightsAfterStep).toMatchObject({ differing: 0, where: [] });
      expect(r.weightsAfterStep.total).toBeGreaterThan(0);
    });
  }

  for (const optimizer of [NO_PLUGINS, ...SUBJECT_NAMES]) {
    it(`${optimizerLabel(optimizer)} NaN loss, default policy: nothing changes, the error surfaces`, () =>
      checkNanUnderThrow(page(), 'webgl', optimizer));
    it(`${optimizerLabel(optimizer)} NaN loss, nonFinite 'skip': nothing changes, stepAsync reports skipped`, () =>
      checkNanUnderSkip(page(), 'webgl', optimizer));
  }
});
