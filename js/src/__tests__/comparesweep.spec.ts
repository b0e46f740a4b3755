/**
 * The compare view at sweep scale (issue 23 point 4): chart keys ordered by
 * use, grouped by prefix, log axes for values spanning decades, brushing.
 */
import { axisScale, wantsLog } from '../compare/axes';
import {
  brushBetween,
  brushedRuns,
  nudgeBrush,
  passesBrushes
} from '../compare/brushing';
import { metricColors } from '../compare/colorscale';
import { groupByPrefix, keyPrefix, searchKeys } from '../compare/keygroups';
import { orderByUse, usedKeys } from '../compare/keyorder';
import { defaultMetrics } from '../compare/comparemodel';
import { IRunDetail } from '../api/api';

function run(keys: string[]): IRunDetail {
  return { keys, media: {} } as unknown as IRunDetail;
}

describe('chart keys by use', () => {
  it('takes the sorted metric, then the filtered keys, then summary columns', () => {
    expect(
      usedKeys(
        '-summary.val/acc',
        'config.lr < 0.01 and summary.train/loss<0.5 and epoch >= 3',
        ['config.batch', 'summary.val/loss', 'summary.val/acc']
      )
    ).toEqual(['val/acc', 'train/loss', 'epoch', 'val/loss']);
  });

  it('ignores a sort on a non-metric column', () => {
    expect(usedKeys('-created_at', '')).toEqual([]);
    expect(usedKeys('config.lr', '')).toEqual([]);
  });

  it('puts the keys in use first and keeps the rest in order', () => {
    expect(orderByUse(['a', 'b', 'c', 'd'], ['c', 'zz', 'a'])).toEqual([
      'c',
      'a',
      'b',
      'd'
    ]);
  });

  it('charts by default the key sorted on first, even beyond the common keys', () => {
    const runs = [
      run([
        'train/loss',
        'train/acc',
        'val/acc',
        'val/loss',
        'lr',
        'a',
        'b',
        'c'
      ]),
      run([
        'train/loss',
        'train/acc',
        'val/acc',
        'val/loss',
        'lr',
        'a',
        'b',
        'c'
      ])
    ];
    const plain = defaultMetrics(runs);
    expect(plain[0]).toBe('a');
    const used = defaultMetrics(runs, ['val/loss', 'lr']);
    expect(used.slice(0, 2)).toEqual(['val/loss', 'lr']);
    expect(used).toHaveLength(6);
    expect(new Set(used).size).toBe(6);
  });
});

describe('charts grouped by prefix', () => {
  it('groups keys by the part before the first slash, in order of first key', () => {
    expect(keyPrefix('train/loss')).toBe('train');
    expect(keyPrefix('loss')).toBe('');
    expect(keyPrefix('/odd')).toBe('');
    expect(
      groupByPrefix(['val/acc', 'train/loss', 'lr', 'val/loss', 'train/x/y'])
    ).toEqual([
      { prefix: 'val', keys: ['val/acc', 'val/loss'] },
      { prefix: 'train', keys: ['train/loss', 'train/x/y'] },
      { prefix: '', keys: ['lr'] }
    ]);
    expect(groupByPrefix(['lr', 'val/acc'])).toEqual([
      { prefix: 'val', keys: ['val/acc'] },
      { prefix: '', keys: ['lr'] }
    ]);
  });

  it('searches keys by every word, in any case', () => {
    const keys = ['train/loss', 'val/loss', 'val/acc'];
    expect(searchKeys(keys, 'LOSS')).toEqual(['train/loss', 'val/loss']);
    expect(searchKeys(keys, 'val loss')).toEqual(['val/loss']);
    expect(searchKeys(keys, '  ')).toEqual(keys);
  });
});

describe('log axes', () => {
  it('is logarithmic for positive numbers spanning two decades or more', () => {
    expect(wantsLog([1e-4, 3e-4, 1e-3, 1e-2, 1e-1])).toBe(true);
    expect(wantsLog([0.01, 1])).toBe(true);
    expect(wantsLog([0.01, 0.5])).toBe(false);
    expect(wantsLog([0, 0.001, 1])).toBe(false); // zero has no log
    expect(wantsLog([-1, 1000])).toBe(false);
    expect(wantsLog(['adam', 1, 1000])).toBe(false);
    expect(wantsLog([1000])).toBe(false);
    expect(wantsLog([undefined, 1e-4, null, 1e-1])).toBe(true);
  });

  it('spreads decades evenly, ticks at the powers of ten', () => {
    const scale = axisScale([1e-4, 1e-3, 1e-2, 1e-1]);
    expect(scale.log).toBe(true);
    expect([1e-4, 1e-3, 1e-2, 1e-1].map(v => scale.pos(v))).toEqual([
      0,
      expect.closeTo(1 / 3),
      expect.closeTo(2 / 3),
      1
    ]);
    expect(scale.ticks.map(t => t.label)).toEqual([
      '0.0001',
      '0.001',
      '0.01',
      '0.1'
    ]);
    expect(scale.pos(undefined)).toBeNull();
  });

  it('keeps a linear axis for a narrow range', () => {
    const scale = axisScale([0.1, 0.2, 0.3]);
    expect(scale.log).toBe(false);
    expect(scale.pos(0.2)).toBeCloseTo(0.5);
  });
});

describe('brushing', () => {
  const rows = [
    [0.1, 0.9],
    [0.5, 0.2],
    [0.8, null],
    [0.45, 0.6]
  ];

  it('orders a drag either way and keeps it within the axis', () => {
    expect(brushBetween(0.7, -0.2)).toEqual({ lo: 0, hi: 0.7 });
  });

  it('keeps every run without a brush', () => {
    expect(brushedRuns(rows, new Map())).toEqual([0, 1, 2, 3]);
  });

  it('keeps the runs within every brushed range', () => {
    const one = new Map([[0, { lo: 0.4, hi: 0.9 }]]);
    expect(brushedRuns(rows, one)).toEqual([1, 2, 3]);
    const two = new Map([
      [0, { lo: 0.4, hi: 0.9 }],
      [1, { lo: 0.5, hi: 1 }]
    ]);
    // run 2 has no value on axis 1: outside its brush
    expect(brushedRuns(rows, two)).toEqual([3]);
    expect(passesBrushes([0.4, 0.5], two)).toBe(true); // bounds included
  });

  it('makes and moves a brush by the keyboard within the axis', () => {
    expect(nudgeBrush(null, 0.1)).toEqual({ lo: 0.5, hi: 1 });
    expect(nudgeBrush(null, -0.1)).toEqual({ lo: 0, hi: 0.5 });
    const moved = nudgeBrush({ lo: 0.5, hi: 1 }, -0.1);
    expect(moved.lo).toBeCloseTo(0.4);
    expect(moved.hi).toBeCloseTo(0.9);
    const floor = nudgeBrush({ lo: 0.1, hi: 0.3 }, -0.5); // stops at the bottom
    expect(floor.lo).toBe(0);
    expect(floor.hi).toBeCloseTo(0.2);
  });
});

describe('colour scale', () => {
  it('colours numbers from low to high and leaves the rest uncoloured', () => {
    const colours = metricColors([0.2, 'x', 0.9, 0.55]);
    expect(colours[0]).toBe('rgb(49, 104, 212)');
    expect(colours[1]).toBeNull();
    expect(colours[2]).toBe('rgb(236, 122, 28)');
    expect(colours[3]).toBe('rgb(160, 72, 180)');
  });
});
