import { axisWidth, tickLabel, tickLabels } from '../charts/ticks';

describe('tickLabels', () => {
  it('keeps log-scale ticks apart', () => {
    // uPlot's own labels read "0.01, 0, 0, 0" here.
    expect(tickLabels([0.01, 0.001, 0.0001, 0.00001])).toEqual([
      '0.01',
      '0.001',
      '0.0001',
      '1e-5'
    ]);
  });

  it('adds digits until linear ticks differ', () => {
    expect(tickLabels([0.01, 0.0125, 0.015, 0.0175])).toEqual([
      '0.01',
      '0.0125',
      '0.015',
      '0.0175'
    ]);
    const labels = tickLabels([0.0101, 0.0102, 0.0103]);
    expect(new Set(labels).size).toBe(3);
  });

  it('writes thousands and millions short, never clipped', () => {
    expect(tickLabels([0, 100000, 200000, 300000])).toEqual([
      '0',
      '100k',
      '200k',
      '300k'
    ]);
    expect(tickLabels([1500000, 2500000])).toEqual(['1.5M', '2.5M']);
    expect(axisWidth(['300k'])).toBeLessThan(56);
  });

  it('leaves the ticks a log axis does not label empty', () => {
    expect(tickLabels([0.001, null, null, 0.01])).toEqual([
      '0.001',
      '',
      '',
      '0.01'
    ]);
  });

  it('handles negatives, zero and repeated values', () => {
    expect(tickLabels([-0.5, 0, 0.5])).toEqual(['-0.5', '0', '0.5']);
    expect(tickLabels([2, 2])).toEqual(['2', '2']);
    expect(tickLabel(-2.5e-7, 2)).toBe('-2.5e-7');
  });

  it('makes room for the longest label', () => {
    expect(axisWidth(['1', '0.000123'])).toBeGreaterThan(axisWidth(['1']));
  });
});
