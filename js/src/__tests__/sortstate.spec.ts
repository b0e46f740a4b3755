/**
 * Which way a metric's header sorts first, the Sort menu's orders, and the
 * filters kept per project between sessions.
 */
import { readLayout } from '../runs/model/layout';
import { DEFAULT_FILTERS, nextSort } from '../runs/model/filters';
import { restoredFilters, viewOf } from '../runs/model/savedview';
import { firstSort, metricGoal, sortChoices } from '../runs/model/sortorder';

describe('the better way of a metric', () => {
  it('maximizes accuracy-like names and minimizes losses and errors', () => {
    for (const name of ['acc', 'val/accuracy', 'f1', 'auc', 'mean_reward']) {
      expect(metricGoal(name)).toBe('maximize');
    }
    for (const name of ['loss', 'val_loss', 'train/loss', 'error_rate']) {
      expect(metricGoal(name)).toBe('minimize');
    }
    for (const name of ['rmse', 'perplexity', 'wer', 'eval.mae']) {
      expect(metricGoal(name)).toBe('minimize');
    }
  });

  it('follows a goal the run defined over the name', () => {
    expect(metricGoal('loss', 'maximize')).toBe('maximize');
    expect(metricGoal('acc', 'min')).toBe('minimize');
  });

  it('sorts a metric its better way on the first click', () => {
    expect(nextSort('-created_at', 'summary.best_acc')).toBe(
      '-summary.best_acc'
    );
    expect(nextSort('-summary.best_acc', 'summary.best_acc')).toBe(
      'summary.best_acc'
    );
    expect(nextSort('-created_at', 'summary.val_loss')).toBe(
      'summary.val_loss'
    );
    expect(firstSort('summary.loss', { loss: 'maximize' })).toBe(
      '-summary.loss'
    );
    expect(firstSort('config.lr')).toBe('config.lr');
  });
});

describe('the Sort menu', () => {
  it('lists every summary and config key both ways', () => {
    const values = sortChoices(
      { summary: ['acc', 'loss'], config: ['lr'] },
      '-created_at'
    ).map(c => c.value);
    expect(values).toEqual(
      expect.arrayContaining([
        '-summary.acc',
        'summary.acc',
        'summary.loss',
        '-summary.loss',
        'config.lr',
        '-config.lr'
      ])
    );
    // The better way comes first.
    expect(values.indexOf('-summary.acc')).toBeLessThan(
      values.indexOf('summary.acc')
    );
    expect(values.indexOf('summary.loss')).toBeLessThan(
      values.indexOf('-summary.loss')
    );
  });

  it('offers the current order even when its key is not listed', () => {
    const choices = sortChoices({ summary: [], config: [] }, '-summary.x');
    expect(choices.map(c => c.value)).toContain('-summary.x');
  });
});

describe('filters kept per project', () => {
  it('restores the last project with its own filters', () => {
    const filters = {
      ...DEFAULT_FILTERS,
      project: 'vision',
      q: 'adam',
      where: 'config.lr < 0.01',
      tags: ['baseline'],
      sort: '-summary.acc',
      groupBy: 'config.optim'
    };
    const saved = JSON.parse(
      JSON.stringify({
        columns: {},
        filters: {
          store: '',
          project: 'vision',
          views: { vision: viewOf(filters), '': viewOf(DEFAULT_FILTERS) }
        }
      })
    );
    const layout = readLayout(saved);
    expect(restoredFilters(layout.filters!, DEFAULT_FILTERS)).toEqual(filters);
  });

  it('reads damaged or older saved state without failing', () => {
    expect(readLayout({ columns: ['acc'] }).filters).toBeUndefined();
    const layout = readLayout({ filters: { project: 3, views: { a: 'x' } } });
    expect(layout.filters!.project).toBe('');
    expect(layout.filters!.views.a.sort).toBe(DEFAULT_FILTERS.sort);
  });
});
