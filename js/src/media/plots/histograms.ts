/**
 * Histograms over steps as one picture: every step's counts spread onto one
 * grid of equal bins over the range of all steps (each logged bin shares its
 * count with the grid bins it overlaps, as if its values were spread evenly
 * within it), a column per step, and a colour scale for the heatmap.
 */

/** One logged histogram: `values.length` counts between `bins` edges. */
export interface IHistogramStep {
  step: number;
  values: number[];
  bins: number[];
}

/** Steps x bins on one grid. */
export interface IHeatmap {
  /** The step of each column. */
  steps: number[];
  /** The grid's range and its bins. */
  lo: number;
  hi: number;
  rows: number;
  /** Column by column: `grid[column * rows + row]`, row 0 the lowest bin. */
  grid: Float64Array;
  /** Each column's largest count (what its colours are relative to). */
  columnMax: Float64Array;
}

/** The range covered by the histograms' edges ([lo, hi], hi > lo). */
export function histogramRange(hists: IHistogramStep[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const h of hists) {
    for (const edge of h.bins) {
      if (isFinite(edge)) {
        lo = Math.min(lo, edge);
        hi = Math.max(hi, edge);
      }
    }
  }
  if (!isFinite(lo)) {
    return [0, 1];
  }
  if (hi <= lo) {
    const pad = Math.abs(lo) * 0.5 || 0.5;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

/**
 * One histogram's counts on `rows` equal bins over [lo, hi], added to `out`
 * from `offset`. A bin of no width puts its count in the grid bin holding it.
 */
export function rebin(
  values: number[],
  edges: number[],
  lo: number,
  hi: number,
  rows: number,
  out: Float64Array = new Float64Array(rows),
  offset = 0
): Float64Array {
  const width = (hi - lo) / rows;
  const cell = (x: number) =>
    Math.max(0, Math.min(rows - 1, Math.floor((x - lo) / width)));
  const n = Math.min(values.length, edges.length - 1);
  for (let i = 0; i < n; i++) {
    const count = values[i];
    const a = edges[i];
    const b = edges[i + 1];
    if (!count || !isFinite(count) || !isFinite(a) || !isFinite(b)) {
      continue;
    }
    if (b <= a) {
      out[offset + cell(a)] += count;
      continue;
    }
    const first = cell(a);
    const last = cell(b - (b - a) * 1e-9);
    if (first === last) {
      out[offset + first] += count;
      continue;
    }
    for (let j = first; j <= last; j++) {
      const x0 = Math.max(a, lo + j * width);
      const x1 = Math.min(b, lo + (j + 1) * width);
      if (x1 > x0) {
        out[offset + j] += (count * (x1 - x0)) / (b - a);
      }
    }
  }
  return out;
}

/**
 * The heatmap of `hists` (in step order): `rows` bins, and at most
 * `maxColumns` columns (evenly chosen steps when there are more).
 */
export function heatmap(
  hists: IHistogramStep[],
  rows = 48,
  maxColumns = 1000
): IHeatmap {
  const [lo, hi] = histogramRange(hists);
  const chosen = evenly(hists, maxColumns);
  const grid = new Float64Array(chosen.length * rows);
  const columnMax = new Float64Array(chosen.length);
  chosen.forEach((h, c) => {
    rebin(h.values, h.bins, lo, hi, rows, grid, c * rows);
    let max = 0;
    for (let r = 0; r < rows; r++) {
      max = Math.max(max, grid[c * rows + r]);
    }
    columnMax[c] = max;
  });
  return { steps: chosen.map(h => h.step), lo, hi, rows, grid, columnMax };
}

/** At most `count` items of `items`, evenly spread, the first and last kept. */
export function evenly<T>(items: T[], count: number): T[] {
  if (items.length <= count) {
    return items;
  }
  if (count <= 1) {
    return items.slice(-1);
  }
  const out: T[] = [];
  for (let i = 0; i < count; i++) {
    out.push(items[Math.round((i * (items.length - 1)) / (count - 1))]);
  }
  return out;
}

/** The column drawn for `step`: the last column at or before it. */
export function columnOf(map: IHeatmap, step: number): number {
  let column = 0;
  for (let c = 0; c < map.steps.length && map.steps[c] <= step; c++) {
    column = c;
  }
  return column;
}

/** Stops of the colour scale (viridis): dark for none, yellow for the most. */
const STOPS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37]
];

/** The colour of `t` in 0..1 on the heatmap's scale. */
export function heatColour(t: number): [number, number, number] {
  const x = Math.max(0, Math.min(1, isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [STOPS[i], STOPS[i + 1]];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f)
  ];
}

/**
 * The heatmap's pixels, `columns` wide and `rows` high, the lowest bin at the
 * bottom; each column's colours relative to its own largest count, an empty
 * bin transparent.
 */
export function heatPixels(map: IHeatmap): Uint8ClampedArray<ArrayBuffer> {
  const columns = map.steps.length;
  const out = new Uint8ClampedArray(columns * map.rows * 4);
  for (let c = 0; c < columns; c++) {
    const max = map.columnMax[c];
    for (let r = 0; r < map.rows; r++) {
      const count = map.grid[c * map.rows + r];
      if (!(count > 0) || !(max > 0)) {
        continue;
      }
      const [red, green, blue] = heatColour(count / max);
      const at = ((map.rows - 1 - r) * columns + c) * 4;
      out[at] = red;
      out[at + 1] = green;
      out[at + 2] = blue;
      out[at + 3] = 255;
    }
  }
  return out;
}
