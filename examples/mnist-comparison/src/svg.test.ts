import { describe, expect, it } from 'vitest';
import { escapeXml, legendSvg, linearAxis, logAxis, niceTicks, PALETTE, projector, svgDocument } from './svg';
import { parseXml } from './xml-check';

describe('axes', () => {
  it('puts round ticks around the data', () => {
    expect(niceTicks(0, 1, 6)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(83.2, 88.9, 6)).toEqual([82, 84, 86, 88, 90]);
    expect(niceTicks(1, 1)).toEqual([1]);
    const lin = linearAxis([0.95, 2.4]);
    expect(lin.ticks).toEqual([0.5, 1, 1.5, 2, 2.5]);
    expect(lin.fraction(0.5)).toBe(0);
    expect(lin.fraction(2.5)).toBe(1);
    expect(linearAxis([3, 3]).ticks[0]).toBeLessThan(3); // a flat series still gets a range
  });

  it('spans whole decades on a log axis, and maps each decade to the same height', () => {
    const log = logAxis([0.03, 2.1, 0, -1]);
    expect(log.ticks).toEqual([0.01, 0.1, 1, 10]);
    expect(log.fraction(0.1) - log.fraction(0.01)).toBeCloseTo(1 / 3, 12);
    expect(log.fraction(10)).toBeCloseTo(1, 12);
    expect(logAxis([0.5, 0.5]).ticks).toEqual([0.1, 1]);
    const at = projector({ x: 10, y: 20, w: 300, h: 90 }, linearAxis([0, 1]), log);
    expect([at.x(0), at.x(1), at.y(10), at.y(0.01)]).toEqual([10, 310, 20, 110]);
  });
});

describe('markup', () => {
  it('escapes text and writes a well-formed document with a legend', () => {
    expect(escapeXml('a < b & "c" > d')).toBe('a &lt; b &amp; &quot;c&quot; &gt; d');
    const legend = legendSvg(
      [
        { name: 'A & B', color: PALETTE[0] },
        { name: 'C', color: PALETTE[1], dashed: true },
      ],
      0,
      0,
      1,
      100,
    );
    const doc = svgDocument(100, 50, 'x < y', legend);
    const elements = parseXml(doc);
    expect(elements[0].attributes.viewBox).toBe('0 0 100 50');
    expect(doc).toContain('<title>x &lt; y</title>');
    expect(doc).toContain('>A &amp; B</text>');
    expect(doc.match(/stroke-dasharray/g)).toHaveLength(1);
    expect(new Set(PALETTE).size).toBe(15);
  });
});
