/**
 * What the Media section draws: boxes placed on images, masks coloured,
 * histograms over steps binned onto one grid, and the `nbrun.plot` charts
 * read from their tables.
 */
import {
  boxRect,
  colourMask,
  classColour,
  overlaysOf
} from '../media/images/overlays';
import {
  evenly,
  heatColour,
  heatmap,
  heatPixels,
  histogramRange,
  rebin
} from '../media/plots/histograms';
import { binValues, plotSpec } from '../media/plots/plotdata';

describe('boxRect', () => {
  it('places corner boxes given as fractions', () => {
    const rect = boxRect(
      {
        position: { minX: 0.7, maxX: 0.86, minY: 0.19, maxY: 0.44 },
        class_id: 2
      },
      96,
      64
    )!;
    expect(rect.left).toBeCloseTo(0.7);
    expect(rect.width).toBeCloseTo(0.16);
    expect(rect.top).toBeCloseTo(0.19);
    expect(rect.height).toBeCloseTo(0.25);
  });

  it('places centred boxes given in pixels', () => {
    const rect = boxRect(
      {
        position: { middle: [20, 32], width: 24, height: 24 },
        class_id: 1,
        domain: 'pixel'
      },
      96,
      64
    )!;
    expect(rect).toEqual({
      left: 8 / 96,
      top: 20 / 64,
      width: 24 / 96,
      height: 24 / 64
    });
  });

  it('orders swapped corners and refuses a box without a position', () => {
    const rect = boxRect(
      { position: { minX: 0.5, maxX: 0.1, minY: 0.2, maxY: 0.4 }, class_id: 0 },
      10,
      10
    )!;
    expect(rect.left).toBeCloseTo(0.1);
    expect(rect.width).toBeCloseTo(0.4);
    expect(boxRect({ position: { minX: 1 }, class_id: 0 }, 10, 10)).toBeNull();
  });
});

describe('colourMask', () => {
  it('colours each class but the background and hidden ones', () => {
    // four pixels: classes 0, 1, 2, 1 (the id in the red channel)
    const pixels = new Uint8ClampedArray([
      0, 0, 0, 255, 1, 1, 1, 255, 2, 2, 2, 255, 1, 1, 1, 255
    ]);
    const { layer, classes } = colourMask(pixels, 100);
    expect(classes).toEqual([0, 1, 2]);
    expect(Array.from(layer.slice(0, 4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(layer.slice(4, 8))).toEqual([...classColour(1), 100]);
    expect(Array.from(layer.slice(8, 12))).toEqual([...classColour(2), 100]);
    const hidden = colourMask(pixels, 100, new Set([1])).layer;
    expect(hidden[7]).toBe(0);
    expect(hidden[11]).toBe(100);
  });

  it('gives neighbouring classes colours well apart', () => {
    const [a, b] = [classColour(1), classColour(2)];
    const distance = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    expect(distance).toBeGreaterThan(100);
  });
});

describe('overlaysOf', () => {
  it('lists every mask and box group once', () => {
    const overlays = overlaysOf([
      {
        masks: { truth: { path: 'm.png' } },
        boxes: { pred: { box_data: [] } }
      },
      { masks: { truth: { path: 'n.png' } } }
    ]);
    expect(overlays.map(o => o.id)).toEqual(['boxes:pred', 'mask:truth']);
  });
});

describe('histograms over steps', () => {
  it('spreads a bin over the grid bins it overlaps', () => {
    // one bin 0..2 holding 4 values, onto 4 bins over 0..4
    expect(Array.from(rebin([4], [0, 2], 0, 4, 4))).toEqual([2, 2, 0, 0]);
    // bins matching the grid keep their counts
    expect(Array.from(rebin([1, 2, 3, 4], [0, 1, 2, 3, 4], 0, 4, 4))).toEqual([
      1, 2, 3, 4
    ]);
    // a bin of no width goes to the grid bin holding it; the last edge is in
    expect(Array.from(rebin([5, 7], [4, 4, 4], 0, 4, 4))).toEqual([
      0, 0, 0, 12
    ]);
  });

  it('keeps every count on the grid', () => {
    const values = [3, 1, 4, 1, 5];
    const edges = [-1.3, -0.2, 0.7, 1.1, 2.9, 3.3];
    const grid = rebin(values, edges, -2, 4, 7);
    const total = Array.from(grid).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(14);
  });

  it('puts steps of different ranges on one grid', () => {
    const map = heatmap(
      [
        { step: 0, values: [10], bins: [0, 1] },
        { step: 5, values: [2, 8], bins: [2, 3, 4] }
      ],
      4
    );
    expect([map.lo, map.hi, map.rows]).toEqual([0, 4, 4]);
    expect(map.steps).toEqual([0, 5]);
    expect(Array.from(map.grid)).toEqual([10, 0, 0, 0, 0, 0, 2, 8]);
    expect(Array.from(map.columnMax)).toEqual([10, 8]);
    // the lowest bin at the bottom row, the brightest colour for the most
    const pixels = heatPixels(map);
    const at = (row: number, column: number) =>
      Array.from(
        pixels.slice((row * 2 + column) * 4, (row * 2 + column) * 4 + 4)
      );
    expect(at(3, 0)).toEqual([...heatColour(1), 255]);
    expect(at(0, 0)[3]).toBe(0);
    expect(at(0, 1)).toEqual([...heatColour(1), 255]);
    expect(at(1, 1)).toEqual([...heatColour(0.25), 255]);
  });

  it('widens a range of one value and thins many steps evenly', () => {
    expect(histogramRange([{ step: 0, values: [3], bins: [2, 2] }])).toEqual([
      1, 3
    ]);
    expect(evenly([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4)).toEqual([0, 3, 6, 9]);
    const many = Array.from({ length: 5000 }, (_, i) => ({
      step: i,
      values: [1],
      bins: [0, 1]
    }));
    const map = heatmap(many, 8, 1000);
    expect(map.steps.length).toBe(1000);
    expect(map.steps[0]).toBe(0);
    expect(map.steps[999]).toBe(4999);
  });

  it('scales colours from dark to bright', () => {
    const dark = heatColour(0);
    const bright = heatColour(1);
    expect(dark[0] + dark[1] + dark[2]).toBeLessThan(
      bright[0] + bright[1] + bright[2]
    );
    expect(heatColour(-1)).toEqual(dark);
    expect(heatColour(NaN)).toEqual(dark);
  });
});

describe('nbrun.plot charts from their tables', () => {
  it('draws a line per group of a line chart', () => {
    const spec = plotSpec(
      { chart: 'line', fields: { x: 'x', y: 'y', stroke: 'g' } },
      ['x', 'y', 'g'],
      [
        [0, 1, 'a'],
        [1, 2, 'b'],
        [2, 3, 'a'],
        ['bad', 4, 'a']
      ]
    );
    expect(spec.type).toBe('lines');
    if (spec.type === 'lines') {
      expect(spec.series.map(s => [s.label, s.steps, s.values])).toEqual([
        ['a', [0, 2], [1, 3]],
        ['b', [1], [2]]
      ]);
      expect(spec.points).toBe(false);
    }
  });

  it('names the axes of ROC curves from their strings', () => {
    const spec = plotSpec(
      {
        chart: 'roc_curve',
        fields: { x: 'fpr', y: 'tpr', class: 'class' },
        strings: { 'x-axis-title': 'False positive rate' }
      },
      ['class', 'fpr', 'tpr'],
      [
        ['cat', 0, 0],
        ['cat', 1, 1],
        ['dog', 0, 0]
      ]
    );
    expect(spec.type === 'lines' && spec.xTitle).toBe('False positive rate');
    expect(spec.type === 'lines' && spec.series.length).toBe(2);
  });

  it('reads a confusion matrix in the order of its classes', () => {
    const spec = plotSpec(
      {
        chart: 'confusion_matrix',
        fields: { Actual: 'Actual', Predicted: 'Predicted', nPredictions: 'n' }
      },
      ['Actual', 'Predicted', 'n'],
      [
        ['b', 'b', 5],
        ['b', 'a', 1],
        ['a', 'b', 2],
        ['a', 'a', 7]
      ]
    );
    expect(spec).toEqual({
      type: 'matrix',
      actual: ['b', 'a'],
      predicted: ['b', 'a'],
      counts: [
        [5, 1],
        [2, 7]
      ]
    });
  });

  it('bins the values of a histogram chart and bars a bar chart', () => {
    const bars = binValues([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(bars.length).toBe(4);
    expect(bars.reduce((n, b) => n + b.value, 0)).toBe(10);
    expect(bars[3].x1).toBe(9);
    expect(binValues([2, 2, 2])).toEqual([{ x0: 1.5, x1: 2.5, value: 3 }]);
    const spec = plotSpec(
      { chart: 'bar', fields: { label: 'c', value: 'n' } },
      ['c', 'n'],
      [
        ['x', 3],
        ['y', null]
      ]
    );
    expect(spec.type === 'bars' && spec.bars).toEqual([
      { x0: 0, x1: 1, value: 3, label: 'x' }
    ]);
  });

  it('says why a chart whose table lacks a column is not drawn', () => {
    const spec = plotSpec(
      { chart: 'scatter', fields: { x: 'x', y: 'nope' } },
      ['x', 'y'],
      []
    );
    expect(spec).toEqual({
      type: 'none',
      reason: 'the table has no column for y'
    });
  });
});
