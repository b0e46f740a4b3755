/**
 * What an `nbrun.plot` chart draws, from its table and its fields (which
 * column plays which role): lines (line, line_series, ROC and PR curves, one
 * line per group), points (scatter), bars (bar; histogram, binned here) or a
 * matrix of counts (confusion matrix).
 */
import { IMediaMeta } from '../../api/api';
import { ISeries } from '../../charts/chart';
import { IBar } from './bars';

export type PlotSpec =
  | {
      type: 'lines';
      series: ISeries[];
      xTitle: string;
      yTitle: string;
      points: boolean;
    }
  | { type: 'bars'; bars: IBar[]; categories: boolean; xTitle: string }
  | {
      type: 'matrix';
      actual: string[];
      predicted: string[];
      counts: number[][];
    }
  | { type: 'none'; reason: string };

/** Most bins of a chart's histogram. */
const MAX_BINS = 50;

function num(value: unknown): number | null {
  return typeof value === 'number' && isFinite(value) ? value : null;
}

/** The spec of a chart whose table has `columns` and `rows`. */
export function plotSpec(
  meta: IMediaMeta,
  columns: (string | number)[],
  rows: unknown[][]
): PlotSpec {
  const fields = meta.fields ?? {};
  const strings = meta.strings ?? {};
  const col = (role: string): number => {
    const name = fields[role];
    return name === null || name === undefined
      ? -1
      : columns.findIndex(c => String(c) === String(name));
  };
  const need = (...roles: string[]): number[] | PlotSpec => {
    const found = roles.map(col);
    const missing = roles.filter((r, i) => found[i] < 0);
    return missing.length
      ? {
          type: 'none',
          reason: `the table has no column for ${missing.join(', ')}`
        }
      : found;
  };
  switch (meta.chart) {
    case 'line':
    case 'scatter': {
      const found = need('x', 'y');
      if (!Array.isArray(found)) {
        return found;
      }
      const [x, y] = found;
      const stroke = meta.chart === 'line' ? col('stroke') : -1;
      return {
        type: 'lines',
        series: grouped(rows, x, y, stroke, String(fields.y)),
        xTitle: String(fields.x),
        yTitle: String(fields.y),
        points: meta.chart === 'scatter'
      };
    }
    case 'line_series': {
      const found = need('step', 'lineKey', 'lineVal');
      if (!Array.isArray(found)) {
        return found;
      }
      const [x, key, y] = found;
      return {
        type: 'lines',
        series: grouped(rows, x, y, key, 'value'),
        xTitle: strings.xname ?? 'x',
        yTitle: '',
        points: false
      };
    }
    case 'roc_curve':
    case 'pr_curve': {
      const found = need('x', 'y', 'class');
      if (!Array.isArray(found)) {
        return found;
      }
      const [x, y, cls] = found;
      return {
        type: 'lines',
        series: grouped(rows, x, y, cls, String(fields.y)),
        xTitle: strings['x-axis-title'] ?? String(fields.x),
        yTitle: strings['y-axis-title'] ?? String(fields.y),
        points: false
      };
    }
    case 'bar': {
      const found = need('label', 'value');
      if (!Array.isArray(found)) {
        return found;
      }
      const [label, value] = found;
      const bars: IBar[] = [];
      for (const row of rows) {
        const v = num(row[value]);
        if (v !== null) {
          const i = bars.length;
          bars.push({
            x0: i,
            x1: i + 1,
            value: v,
            label: String(row[label] ?? '')
          });
        }
      }
      return {
        type: 'bars',
        bars,
        categories: true,
        xTitle: String(fields.label)
      };
    }
    case 'histogram': {
      const found = need('value');
      if (!Array.isArray(found)) {
        return found;
      }
      const values = rows
        .map(r => num(r[found[0]]))
        .filter((v): v is number => v !== null);
      return {
        type: 'bars',
        bars: binValues(values),
        categories: false,
        xTitle: String(fields.value)
      };
    }
    case 'confusion_matrix': {
      const found = need('Actual', 'Predicted', 'nPredictions');
      if (!Array.isArray(found)) {
        return found;
      }
      return { type: 'matrix', ...confusion(rows, found) };
    }
    default:
      return { type: 'none', reason: `no view for a "${meta.chart}" chart` };
  }
}

/** One line per value of the `group` column (one line when it is -1). */
export function grouped(
  rows: unknown[][],
  x: number,
  y: number,
  group: number,
  label: string
): ISeries[] {
  const lines = new Map<string, ISeries>();
  for (const row of rows) {
    const xv = num(row[x]);
    if (xv === null) {
      continue;
    }
    const name = group < 0 ? label : String(row[group] ?? '');
    let line = lines.get(name);
    if (!line) {
      line = { label: name, steps: [], values: [] };
      lines.set(name, line);
    }
    line.steps.push(xv);
    line.values.push(num(row[y]));
  }
  return Array.from(lines.values());
}

/** Counts in equal bins over the values' range (about √n bins, at most 50). */
export function binValues(values: number[], maxBins = MAX_BINS): IBar[] {
  if (!values.length) {
    return [];
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (hi === lo) {
    return [{ x0: lo - 0.5, x1: hi + 0.5, value: values.length }];
  }
  const n = Math.max(1, Math.min(maxBins, Math.ceil(Math.sqrt(values.length))));
  const width = (hi - lo) / n;
  const counts = new Array<number>(n).fill(0);
  for (const v of values) {
    counts[Math.min(n - 1, Math.floor((v - lo) / width))]++;
  }
  return counts.map((value, i) => ({
    x0: lo + i * width,
    x1: i === n - 1 ? hi : lo + (i + 1) * width,
    value
  }));
}

/** A confusion matrix: the classes in the order the table names them first. */
export function confusion(
  rows: unknown[][],
  [actual, predicted, count]: number[]
): { actual: string[]; predicted: string[]; counts: number[][] } {
  const rowNames: string[] = [];
  const colNames: string[] = [];
  const cells = new Map<string, number>();
  for (const row of rows) {
    const a = String(row[actual] ?? '');
    const p = String(row[predicted] ?? '');
    if (!rowNames.includes(a)) {
      rowNames.push(a);
    }
    if (!colNames.includes(p)) {
      colNames.push(p);
    }
    const key = `${a}\0${p}`;
    cells.set(key, (cells.get(key) ?? 0) + (num(row[count]) ?? 0));
  }
  return {
    actual: rowNames,
    predicted: colNames,
    counts: rowNames.map(a => colNames.map(p => cells.get(`${a}\0${p}`) ?? 0))
  };
}
