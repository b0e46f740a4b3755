/**
 * The table viewer's state (paging, sorting, filtering, the page cache's
 * keys) and the media index's grouping and merging: pure parts of the Media
 * section.
 */
import { IMediaEntry, IRunDetail } from '../api/api';
import { defaultMetrics } from '../compare/comparemodel';
import { defaultKeys } from '../detail/detailmodel';
import { LruCache } from '../media/lru';
import {
  groupMedia,
  indexAtOrBefore,
  mergeMedia,
  orderedKeys
} from '../media/mediagroups';
import { prefetchOrder } from '../media/images/imagecache';
import {
  filterBy,
  goTo,
  initialView,
  pageCount,
  queryKey,
  resize,
  rowRange,
  sortBy,
  tableQuery
} from '../media/tables/tablestate';

describe('table viewer state', () => {
  it('cycles a header through ascending, descending and stored order', () => {
    let view = goTo(initialView(25), 3, 1000);
    expect(view.page).toBe(3);
    view = sortBy(view, 'score');
    expect([view.sort, view.order, view.page]).toEqual(['score', 'asc', 0]);
    view = sortBy(goTo(view, 2, 1000), 'score');
    expect([view.sort, view.order, view.page]).toEqual(['score', 'desc', 0]);
    view = sortBy(view, 'score');
    expect([view.sort, view.order]).toEqual([null, 'asc']);
    view = sortBy(sortBy(view, 'score'), 'id');
    expect([view.sort, view.order]).toEqual(['id', 'asc']);
  });

  it('keeps the page within the rows and restarts on a new filter', () => {
    const view = initialView(25);
    expect(pageCount(100000, 25)).toBe(4000);
    expect(pageCount(0, 25)).toBe(1);
    expect(pageCount(26, 25)).toBe(2);
    expect(goTo(view, 10000, 100000).page).toBe(3999);
    expect(goTo(view, -5, 100).page).toBe(0);
    expect(goTo(view, 0, 100)).toBe(view); // unchanged: the same object
    const far = goTo(view, 7, 1000);
    const filtered = filterBy(far, 'cat', 'label');
    expect([filtered.page, filtered.filter, filtered.filterColumn]).toEqual([
      0,
      'cat',
      'label'
    ]);
    expect(filterBy(filtered, 'cat', 'label')).toBe(filtered);
  });

  it('keeps the first row shown when the page size changes', () => {
    const view = goTo(initialView(25), 9, 100000); // rows 226..250
    expect(resize(view, 100).page).toBe(2); // rows 201..300
    expect(resize(resize(view, 100), 25).page).toBe(8);
  });

  it('asks the server for the page it shows', () => {
    let view = goTo(initialView(100), 4, 100000);
    expect(tableQuery('f', view)).toEqual({
      file: 'f',
      offset: 400,
      limit: 100,
      sort: null,
      order: 'asc',
      filter: undefined,
      filterColumn: null
    });
    view = filterBy(sortBy(view, 'x'), 'a', null);
    expect(tableQuery('f', view)).toMatchObject({
      offset: 0,
      sort: 'x',
      filter: 'a'
    });
    expect(rowRange(goTo(initialView(25), 1, 60), 60)).toBe(
      'rows 26\u201350 of 60'
    );
    expect(rowRange(goTo(initialView(25), 2, 60), 60)).toBe(
      'rows 51\u201360 of 60'
    );
    expect(rowRange(initialView(25), 0)).toBe('no rows');
  });

  it('tells requests apart by what changes the answer only', () => {
    const base = { file: 'f', offset: 0, limit: 25 };
    expect(queryKey({ ...base, sort: null, order: 'desc' })).toBe(
      queryKey({ ...base, sort: null, order: 'asc' })
    );
    expect(queryKey({ ...base, sort: 'x', order: 'desc' })).not.toBe(
      queryKey({ ...base, sort: 'x', order: 'asc' })
    );
    expect(queryKey({ ...base, filterColumn: 'a' })).toBe(queryKey(base));
    expect(queryKey({ ...base, offset: 25 })).not.toBe(queryKey(base));
  });
});

describe('LruCache', () => {
  it('drops the least recently used beyond its capacity', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3);
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([
      true,
      false,
      true
    ]);
    expect(cache.size).toBe(2);
  });
});

describe('prefetchOrder', () => {
  it('loads ahead in the direction of travel, nearest first', () => {
    expect(prefetchOrder(10, 100, 1, 3, 1)).toEqual([11, 9, 12, 13]);
    expect(prefetchOrder(10, 100, -1, 3, 1)).toEqual([9, 11, 8, 7]);
    expect(prefetchOrder(0, 3, 1, 5, 2)).toEqual([1, 2]);
    expect(prefetchOrder(2, 3, 1, 5, 2)).toEqual([1, 0]);
  });
});

function entry(
  key: string,
  step: number,
  item = 0,
  kind: IMediaEntry['kind'] = 'image'
): IMediaEntry {
  return {
    key,
    step,
    item,
    kind,
    file: `media/${key}-${step}-${item}.png`,
    size: 1,
    meta: {},
    time: null
  };
}

describe('media index', () => {
  it('groups entries by key and step, a gallery as several items', () => {
    const series = groupMedia([
      entry('a', 0),
      entry('a', 1, 0),
      entry('a', 1, 1),
      entry('h', 3, 0, 'histogram')
    ]);
    const a = series.get('a')!;
    expect(a.kind).toBe('image');
    expect(a.steps.map(s => [s.step, s.items.length])).toEqual([
      [0, 1],
      [1, 2]
    ]);
    expect(series.get('h')!.kind).toBe('histogram');
  });

  it('keeps the steps of a key of its latest kind', () => {
    const series = groupMedia(
      [entry('k', 0), entry('k', 1, 0, 'table'), entry('k', 2)],
      { k: 'image' }
    );
    expect(series.get('k')!.steps.map(s => s.step)).toEqual([0, 2]);
  });

  it('replaces what a refresh fetched again', () => {
    const held = [entry('a', 0), entry('a', 1), entry('b', 1)];
    // the refresh asked for steps above 0: step 1 of a again, and b's
    // complete step 1 now with its second gallery image, and step 2
    const fetched = [
      entry('a', 1),
      entry('b', 1),
      entry('b', 1, 1),
      entry('a', 2)
    ];
    const merged = mergeMedia(held, fetched, 0);
    expect(merged.map(e => `${e.key}${e.step}.${e.item}`)).toEqual([
      'a0.0',
      'a1.0',
      'a2.0',
      'b1.0',
      'b1.1'
    ]);
  });

  it('finds the step at or before a chosen one', () => {
    const steps = [2, 5, 9];
    expect(indexAtOrBefore(steps, 5)).toBe(1);
    expect(indexAtOrBefore(steps, 8)).toBe(1);
    expect(indexAtOrBefore(steps, 100)).toBe(2);
    expect(indexAtOrBefore(steps, 0)).toBe(0);
    expect(indexAtOrBefore([], 3)).toBe(-1);
  });

  it('orders keys by kind, then name', () => {
    expect(
      orderedKeys({ t: 'table', b: 'image', a: 'histogram', c: 'image' })
    ).toEqual(['b', 'c', 'a', 't']);
  });
});

describe('charts by default', () => {
  it('leave out the keys of media values', () => {
    const keys = ['gallery', 'loss', 'scene', 'acc', '_step'];
    const media = { gallery: 'image', scene: 'image' };
    expect(defaultKeys(keys, media)).toEqual(['loss', 'acc']);
    expect(defaultKeys(keys)).toEqual(['gallery', 'loss', 'scene', 'acc']);
    const run = (id: string) =>
      ({ id, store: 's', keys, media }) as unknown as IRunDetail;
    expect(defaultMetrics([run('a'), run('b')])).toEqual(['acc', 'loss']);
  });
});
