import {
  advance,
  alertId,
  notificationText,
  OVERLAP_S
} from '../notify/alertfeed';
import { IRunAlert } from '../api/apitypes';
import { defaultMetrics } from '../compare/comparemodel';
import { defaultKeys } from '../detail/detailmodel';
import { appendHistory } from '../detail/livehistory';
import {
  againstStepMetric,
  pickerKeys,
  sharedStepMetric
} from '../charts/stepmetric';

function alert(time: number, title = 'slow'): IRunAlert {
  return {
    store: 's',
    id: 'run1',
    name: 'train',
    time,
    step: 3,
    level: 'WARN',
    title,
    text: 'epoch took long'
  };
}

describe('new alerts', () => {
  it('never notifies an alert recorded before the page loaded', () => {
    const first = advance(null, 1000, [alert(999)]);
    expect(first.fresh).toEqual([]);
    expect(first.cursor.after).toBe(1000 - OVERLAP_S);
    // The next poll overlaps the first: the old alert comes again, unnotified.
    const next = advance(first.cursor, 1003, [alert(999), alert(1001)]);
    expect(next.fresh.map(a => a.time)).toEqual([1001]);
  });

  it('notifies each alert once across overlapping polls', () => {
    let { cursor } = advance(null, 1000, []);
    const a = advance(cursor, 1002, [alert(1001.5)]);
    expect(a.fresh).toHaveLength(1);
    cursor = a.cursor;
    const b = advance(cursor, 1004, [alert(1001.5), alert(1003, 'nan loss')]);
    expect(b.fresh.map(x => x.title)).toEqual(['nan loss']);
    // Once older than the overlap, an alert is no longer asked for or kept.
    const c = advance(b.cursor, 1010, []);
    expect(c.cursor.after).toBe(1010 - OVERLAP_S);
    expect(c.cursor.seen.has(alertId(alert(1001.5)))).toBe(false);
  });

  it('says the run, the title and the start of the text', () => {
    expect(notificationText(alert(1))).toBe(
      'train: slow \u2014 epoch took long'
    );
    const long = { ...alert(1), text: 'x'.repeat(500) };
    expect(notificationText(long)).toHaveLength(140);
  });
});

describe('define_metric in the charts', () => {
  const charts = {
    'val/acc': { step_metric: 'epoch', step_sync: true, hidden: false },
    lr: { step_metric: null, step_sync: false, hidden: true }
  };

  it('draws a key against its step metric, leaving out points without one', () => {
    const drawn = againstStepMetric(
      { label: 'val/acc', steps: [4, 9, 14], values: [0.5, 0.6, 0.7] },
      [0, null, 2]
    );
    expect(drawn.steps).toEqual([0, 2]);
    expect(drawn.values).toEqual([0.5, 0.7]);
  });

  it('leaves hidden keys out of the default charts and lists them last', () => {
    expect(defaultKeys(['lr', 'loss', 'val/acc'], {}, charts)).toEqual([
      'loss',
      'val/acc'
    ]);
    expect(pickerKeys(['lr', 'loss', 'val/acc'], charts)).toEqual([
      'loss',
      'val/acc',
      'lr'
    ]);
  });

  it('compares on a step metric only when the runs agree on it', () => {
    const a = { keys: ['val/acc'], charts };
    const b = { keys: ['val/acc'], charts: {} };
    expect(sharedStepMetric('val/acc', [a, a])).toBe('epoch');
    expect(sharedStepMetric('val/acc', [a, b])).toBeNull();
    expect(sharedStepMetric('val/acc', [a, { keys: ['loss'] }])).toBe('epoch');
  });

  it('leaves out of compare the keys every run hid', () => {
    const run = (hidden: boolean) =>
      ({
        keys: ['lr', 'loss'],
        charts: { lr: { step_metric: null, step_sync: false, hidden } }
      }) as never;
    expect(defaultMetrics([run(true), run(true)])).toEqual(['loss']);
    expect(defaultMetrics([run(true), run(false)])).toEqual(['loss', 'lr']);
  });

  it('keeps the step metric values of live points', () => {
    const held = {
      keys: { 'val/acc': { steps: [4], values: [0.5], x: [0] } },
      last_step: 4
    };
    const update = {
      keys: { 'val/acc': { steps: [9], values: [0.6], x: [1] } },
      last_step: 9
    };
    expect(appendHistory(held, update, 100)?.keys['val/acc'].x).toEqual([0, 1]);
  });
});
