import { describe, expect, it } from 'vitest';
import { costSvg, curvesSvg, sharpnessSvg, styleOf } from './charts';
import { METHODS } from './methods';
import type { MethodSummary } from './summary';
import { elementsOf, parseXml } from './xml-check';

const summaries: MethodSummary[] = METHODS.map((m, i) => ({
  method: m.key,
  label: m.label,
  testAccuracy: { mean: 0.85 + i / 200, sd: 0.002 * i, n: 2 },
  bestTestAccuracy: { mean: 0.9, sd: 0, n: 1 },
  topEigenvalue: { mean: 5, sd: 0, n: 1 },
  rIg: { mean: 1e-5, sd: 0, n: 1 },
  finalTrainLoss: 0.1,
  evaluationsPerStep: { gradient: 1, doubleBackprop: 0 },
  curve: [10, 20, 30].map((step) => ({
    step,
    trainLoss: 2 / step + i / 100,
    testAccuracy: 0.5 + step / 100,
    testAccuracySd: 0.01,
  })),
  timing: { method: m.key, ratio: 1 + i / 10, q1: 0.95 + i / 10, q3: 1.05 + i / 10, medianMs: 8 },
}));

describe('curvesSvg', () => {
  it('draws one line per method in each panel (loss and accuracy) and a legend entry each', () => {
    const svg = curvesSvg(summaries, 'wasm & co');
    const elements = parseXml(svg);
    const lines = elementsOf(elements, 'polyline', 'series');
    for (const panel of ['trainLoss', 'testAccuracy']) {
      const own = lines.filter((l) => l.attributes['data-panel'] === panel);
      expect(own.map((l) => l.attributes['data-method'])).toEqual(METHODS.map((m) => m.key));
      for (const l of own) expect(l.attributes.points.split(' ')).toHaveLength(3);
    }
    expect(elementsOf(elements, 'text', 'legend')).toHaveLength(METHODS.length);
    expect(svg).toContain('wasm &amp; co');
    // One accuracy band per method: 3 points along mean + sd, 3 back along mean − sd.
    const bands = elementsOf(elements, 'polygon', 'band');
    expect(bands.map((b) => b.attributes['data-method'])).toEqual(METHODS.map((m) => m.key));
    for (const b of bands) expect(b.attributes.points.split(' ')).toHaveLength(6);
    // Accuracy in %: the axis reaches 80 (0.8 at step 30).
    const ticks = elementsOf(elements, 'text', 'tick');
    expect(ticks.length).toBeGreaterThan(8);
  });
});

describe('costSvg', () => {
  it('draws one point per timed method with an sd bar and a quartile bar', () => {
    const svg = costSvg([...summaries, { ...summaries[0], method: 'untimed', timing: undefined }], 'x');
    const elements = parseXml(svg);
    const points = elementsOf(elements, 'g', 'point');
    expect(points.map((p) => p.attributes['data-method'])).toEqual(METHODS.map((m) => m.key));
    expect(elementsOf(elements, 'circle')).toHaveLength(METHODS.length);
    expect(elementsOf(elements, 'title').length).toBe(1 + METHODS.length); // the document's and one per point
    expect(svg).toContain('Adam+SAM: 86.00% ± 0.40, 1.20× Adam');
  });
});

describe('styleOf', () => {
  it('gives every method its own colour, and dashes the two stacks', () => {
    const styles = METHODS.map((m) => styleOf(m.key));
    expect(new Set(styles.map((s) => s.color)).size).toBe(15);
    expect(styles.filter((s) => s.dashed).map((s) => s.name)).toEqual([
      'Adam+SAM+flooding',
      'Adam+F-GR+flooding',
    ]);
    expect(styleOf('other').name).toBe('other');
  });
});

describe('sharpnessSvg', () => {
  it('draws one panel per configuration and one point per method in each, with both sd bars', () => {
    const panels = [
      { title: 'clean labels', summaries },
      { title: '40% label noise', summaries: summaries.slice(0, 3) },
    ];
    const svg = sharpnessSvg(panels, 'wasm');
    const elements = parseXml(svg);
    const points = elementsOf(elements, 'g', 'point').map((p) => p.attributes['data-method']);
    expect(points).toEqual([...METHODS.map((m) => m.key), ...METHODS.slice(0, 3).map((m) => m.key)]);
    expect(elementsOf(elements, 'line').length).toBeGreaterThanOrEqual(2 * points.length);
    expect(svg).toContain('40% label noise');
    expect(svg).toContain('Adam: λ_max 5.00 ± 0.0, test');
  });
});
