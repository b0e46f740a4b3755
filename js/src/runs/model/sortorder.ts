/**
 * Which way is better for a metric, and the orders the Sort menu offers:
 * the fixed ones and every config and summary key, each both ways.
 */
import type { RunSort } from '../../api/apitypes';
import { columnName, isConfigColumn } from './columns';

/** Whether a metric improves upward or downward. */
export type MetricGoal = 'maximize' | 'minimize';

/**
 * Name parts of metrics that improve downward: losses, errors, distances,
 * perplexity, error rates, times. Every other summary metric improves
 * upward (accuracy, auc, f1, precision, recall, score, reward, return, map,
 * iou, bleu, rouge, ...).
 */
const LOWER_IS_BETTER =
  /(^|[^a-z])(loss|losses|nll|error|errors|err|mse|mae|rmse|msle|mape|perplexity|ppl|wer|cer|ter|distance|dist|regret|latency|time|duration|seconds|sec)([^a-z]|$)|loss$|error$/;

/**
 * The better way of a metric: its `goal` where the run defined one
 * (`define_metric(..., goal=...)`), else by its name (the last part of a
 * `train/val_loss` path): {@link LOWER_IS_BETTER} minimizes, anything else
 * maximizes.
 */
export function metricGoal(name: string, goal?: string | null): MetricGoal {
  if (goal === 'minimize' || goal === 'min') {
    return 'minimize';
  }
  if (goal === 'maximize' || goal === 'max') {
    return 'maximize';
  }
  const last = name.toLowerCase().split(/[/.]/).pop() ?? '';
  return LOWER_IS_BETTER.test(last) ? 'minimize' : 'maximize';
}

/**
 * The order of a column's first click: a summary metric its better way
 * first, times newest first, anything else ascending.
 */
export function firstSort(
  column: string,
  goals: Record<string, string> = {}
): RunSort {
  if (column.startsWith('summary.')) {
    const name = columnName(column);
    return metricGoal(name, goals[name]) === 'maximize' ? `-${column}` : column;
  }
  return column.endsWith('_at') ? `-${column}` : column;
}

/** A header's tooltip: what a click does. */
export function sortTitle(
  column: string,
  goals: Record<string, string> = {}
): string {
  const kind = isConfigColumn(column) ? 'config' : 'summary';
  const name = columnName(column);
  if (kind === 'summary') {
    const best =
      firstSort(column, goals) === column ? 'lowest first' : 'highest first';
    return (
      `summary ${name}: sort by it, ${best} (losses, errors, ` +
      'perplexity and times lowest first, other metrics highest first, ' +
      'or by the goal the run defined); click again to reverse'
    );
  }
  return `config ${name}: sort by it, lowest first; click again to reverse`;
}

/** The fixed orders of the Sort menu. */
export const FIXED_SORTS: { value: string; label: string }[] = [
  { value: '-created_at', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
  { value: '-updated_at', label: 'Recently updated' },
  { value: 'name', label: 'Name A\u2013Z' },
  { value: '-name', label: 'Name Z\u2013A' },
  { value: 'state', label: 'State' },
  { value: 'project', label: 'Project' }
];

/** The label of an order by a key: its name and direction. */
export function sortLabel(sort: string): string {
  const column = sort.replace(/^-/, '');
  const prefix = isConfigColumn(column) ? 'config ' : '';
  const way = sort.startsWith('-') ? 'highest first' : 'lowest first';
  return `${prefix}${columnName(column)}, ${way}`;
}

/**
 * Every order of the Sort menu: the fixed ones, then each summary metric
 * (its better way first) and each config key, both ways; the current order
 * is offered even when its key is not listed.
 */
export function sortChoices(
  keys: { config: string[]; summary: string[] },
  current: string,
  goals: Record<string, string> = {}
): { value: string; label: string }[] {
  const choices = FIXED_SORTS.slice();
  const both = (column: string) => {
    const first = firstSort(column, goals);
    const other = first.startsWith('-') ? column : `-${column}`;
    for (const value of [first, other]) {
      choices.push({ value, label: sortLabel(value) });
    }
  };
  keys.summary.forEach(k => both(`summary.${k}`));
  keys.config.forEach(k => both(`config.${k}`));
  if (!choices.some(c => c.value === current)) {
    choices.push({ value: current, label: sortLabel(current) });
  }
  return choices;
}
