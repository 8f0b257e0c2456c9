/**
 * Browser lane on WebGL, items 3–5: no tensors leaked per epoch of model.fit; a plugged model
 * saved to browser storage and loaded back trains on bit-identically; a NaN loss changes nothing
 * and surfaces as an error (or is skipped under 'skip').
 */
import { expect, it } from 'vitest';
import { WEBGL_FLAGS } from './flags';
import { checkNanUnderSkip, checkNanUnderThrow } from './nan-checks';
import { ALL_SUBJECTS } from './plan';
import { BARE, NO_PLUGINS, optimizerLabel } from './read-cases';
import { describeBrowser, usePage } from './use-page';
import type { SaveLoadReport, Storage } from './page/save-load';

const SUBJECT_NAMES = ALL_SUBJECTS.map((s) => s.subject.name);
/** Subjects the kit runs under tfjs-layers (`layers !== false`). */
const LAYERS_SUBJECTS = ALL_SUBJECTS.filter((s) => s.subject.layers !== false).map((s) => s.subject.name);

describeBrowser('training on webgl', () => {
  const page = usePage('webgl', WEBGL_FLAGS);

  for (const optimizer of [BARE, NO_PLUGINS, ...LAYERS_SUBJECTS]) {
    it(`${optimizerLabel(optimizer)} model.fit: numTensors unchanged after the first epoch`, async () => {
      const counts = await page().call<number[]>('tensorsAfterEpochs', 'webgl', optimizer, 2);
      expect(counts).toHaveLength(2);
      expect(counts[1] - counts[0]).toBe(0);
    });
  }

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
