/**
 * Line charts of run history, drawn with uPlot (canvas, fast on long series,
 * cheap to update with `setData` while a run is logging).
 */
import * as React from 'react';
import uPlot from 'uplot';

import { DEFAULT_VIEW, IChartView } from './chartcontrols';
import { ema, positiveOnly } from './smoothing';
import { cssVar, useThemeName } from './theme';
import { axisWidth, tickLabels } from './ticks';
import {
  alignSeries,
  awaitingTimes,
  axisCaption,
  formatRelative,
  ISeries,
  untimed,
  XAxis
} from './xaxis';

export { ISeries };

/** Colours for lines, readable on light and dark themes. */
export const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf'
];

/**
 * The colour of the i-th line: the palette, then (compare allows 20 runs) ten
 * more hues between the palette's, so no two of the first 20 lines share one.
 */
export function seriesColor(i: number): string {
  if (i < PALETTE.length) {
    return PALETTE[i];
  }
  const j = i - PALETTE.length;
  return `hsl(${(j * 36 + 18) % 360}, 70%, ${j % 2 ? 38 : 48}%)`;
}

/** The x axis' tick labels, recorded so that a page can read what is drawn. */
function tickFormat(axis: XAxis): (u: uPlot, splits: number[]) => string[] {
  if (axis === 'relative') {
    return (u, splits) => splits.map(formatRelative);
  }
  if (axis === 'wall') {
    const day = uPlot.fmtDate('{HH}:{mm}:{ss}');
    const days = uPlot.fmtDate('{M}/{D} {HH}:{mm}');
    return (u, splits) => {
      const span = splits.length ? splits[splits.length - 1] - splits[0] : 0;
      const fmt = span > 86400 ? days : day;
      return splits.map(v => fmt(new Date(v * 1000)));
    };
  }
  return (u, splits) => tickLabels(splits);
}

/** Props of {@link LineChart}. */
export interface ILineChartProps {
  /** Shown above the chart, as text. */
  title: string;
  series: ISeries[];
  height?: number;
  /** Identifies the chart in the page (data-key). */
  chartKey?: string;
  /** Smoothing and log scale: what is drawn, not the data. */
  view?: IChartView;
  /** What x is when it is not the step (an `nbrun.plot` chart's column). */
  xLabel?: string;
  /** Points without lines (a scatter). */
  points?: boolean;
  /**
   * uPlot's legend under the chart (default true); false where the page has
   * one legend for all its charts (compare).
   */
  legend?: boolean;
}

/**
 * A uPlot chart that follows its container's width and redraws with new data
 * without being rebuilt (unless the set of lines changes).
 */
export function LineChart(props: ILineChartProps): JSX.Element {
  const { title, series, height = 180, chartKey, xLabel } = props;
  const onlyPoints = !!props.points;
  const showLegend = props.legend ?? true;
  const view = props.view ?? DEFAULT_VIEW;
  const smoothed = view.smoothing > 0;
  const host = React.useRef<HTMLDivElement>(null);
  const plot = React.useRef<uPlot | null>(null);
  const zoom = React.useRef<{ axis: XAxis; min: number; max: number } | null>(
    null
  );
  const theme = useThemeName();
  const [axisColor, setAxisColor] = React.useState('');
  const [zoomed, setZoomed] = React.useState(false);
  const [yScale, setYScale] = React.useState('');
  const [xTicks, setXTicks] = React.useState('');
  const [yTicks, setYTicks] = React.useState('');
  const [xRange, setXRange] = React.useState('');
  const [xDrawn, setXDrawn] = React.useState('');
  const xAxis = view.xAxis;
  const labels = series.map(s => s.label).join('\u0000');
  // What is drawn: with smoothing, each raw line (faint) then its EMA; on a log
  // scale, non-positive values are gaps. The series fetched stay as they are.
  const drawn = React.useMemo<ISeries[]>(() => {
    const shown = (values: (number | null)[]) =>
      view.logY ? positiveOnly(values) : values;
    if (!smoothed) {
      return series.map(s => ({ ...s, values: shown(s.values) }));
    }
    return series.flatMap(s => [
      { ...s, values: shown(s.values) },
      {
        label: `${s.label} (smoothed)`,
        steps: s.steps,
        values: shown(ema(s.values, view.smoothing))
      }
    ]);
  }, [series, smoothed, view.smoothing, view.logY]);
  const data = React.useMemo(() => alignSeries(drawn, xAxis), [drawn, xAxis]);
  const missingTimes = untimed(series, xAxis);
  const waiting = awaitingTimes(series, xAxis);
  const main = drawn[smoothed ? 1 : 0];
  const drawnLast = main?.values.length
    ? main.values[main.values.length - 1]
    : null;
  const points = series.reduce((n, s) => n + s.steps.length, 0);
  const lastStep = series.reduce(
    (m, s) => (s.steps.length ? Math.max(m, s.steps[s.steps.length - 1]) : m),
    -1
  );

  // Build the plot when the lines change.
  React.useEffect(() => {
    const node = host.current;
    if (!node) {
      return;
    }
    const axisColor = cssVar('--jp-ui-font-color2', '#555');
    setAxisColor(axisColor);
    const gridColor = cssVar('--jp-border-color2', '#e0e0e0');
    const font = `11px ${cssVar('--jp-ui-font-family', 'sans-serif')}`;
    const axis: uPlot.Axis = {
      stroke: axisColor,
      font,
      grid: { stroke: gridColor, width: 1 },
      ticks: { stroke: gridColor, width: 1 }
    };
    const format = tickFormat(xAxis);
    const opts: uPlot.Options = {
      width: Math.max(node.clientWidth, 200),
      height,
      scales: {
        x: { time: xAxis === 'wall' },
        y: view.logY ? { distr: 3 } : {}
      },
      axes: [
        {
          ...axis,
          values: (u: uPlot, splits: number[]) => format(u, splits)
        },
        {
          ...axis,
          // Distinct labels, and an axis as wide as its longest one.
          values: (u: uPlot, splits: number[]) => tickLabels(splits),
          size: (u: uPlot, values: string[]) => axisWidth(values ?? [])
        }
      ],
      // Drag across to zoom on steps; "Reset zoom" (or a double click) undoes it.
      cursor: { drag: { x: true, y: false } },
      legend: { show: showLegend, live: true },
      hooks: {
        setSelect: [
          u => {
            if (u.select.width > 0) {
              setZoomed(true);
            }
          }
        ],
        // The zoomed x range, so that a rebuild (log scale toggled) keeps it.
        setScale: [
          (u, key) => {
            const { min, max } = u.scales.x;
            if (key === 'x' && min !== undefined && max !== undefined) {
              const full = u.data?.[0] ?? [];
              const whole =
                !full.length ||
                (min <= full[0] && max >= full[full.length - 1]);
              zoom.current = whole ? null : { axis: xAxis, min, max };
            }
          }
        ],
        // What the page shows: the x ticks drawn on the canvas, and where
        // the main line's middle point lands (css pixels).
        draw: [
          u => {
            const ticks = (u.axes[0] as { _values?: string[] })._values;
            setXTicks((ticks ?? []).join('|'));
            setXRange(`${u.scales.x.min ?? ''}|${u.scales.x.max ?? ''}`);
            const yTicks = (u.axes[1] as { _values?: string[] })._values;
            setYTicks((yTicks ?? []).join('|'));
            const xs = u.data[0];
            const ys = u.data[smoothed ? 2 : 1] ?? [];
            const shown = xs.filter((x, i) => ys[i] !== null);
            const mid = shown[Math.floor(shown.length / 2)];
            setXDrawn(mid === undefined ? '' : u.valToPos(mid, 'x').toFixed(1));
          }
        ]
      },
      series: [
        {
          label: xLabel ?? (xAxis === 'step' ? 'step' : 'time'),
          value:
            xAxis === 'relative'
              ? (u: uPlot, v: number) => (v === null ? '' : formatRelative(v))
              : undefined
        },
        ...series.flatMap((s, i) => {
          const line: uPlot.Series = {
            label: s.label,
            stroke: seriesColor(i),
            width: 1.5,
            spanGaps: true,
            points: onlyPoints
              ? { show: true, size: 5, fill: seriesColor(i) }
              : { show: false },
            ...(onlyPoints ? { paths: () => null } : {})
          };
          return smoothed
            ? [
                { ...line, width: 1, alpha: 0.3 },
                { ...line, label: `${s.label} (smoothed)` }
              ]
            : [line];
        })
      ]
    };
    const kept = zoom.current; // read first: building the plot sets its x scale
    const chart = new uPlot(opts, data, node);
    plot.current = chart;
    setYScale(chart.scales.y?.distr === 3 ? 'log' : 'linear');
    if (kept && kept.axis === xAxis) {
      chart.setScale('x', { min: kept.min, max: kept.max });
    } else {
      zoom.current = null;
      setZoomed(false);
    }
    const observer = new ResizeObserver(() => {
      const width = node.clientWidth;
      if (width > 0 && Math.abs(width - chart.width) > 1) {
        chart.setSize({ width, height });
      }
    });
    observer.observe(node);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // `data` is applied by the next effect; rebuild only for new lines, and
    // for a new theme (canvas colours are read once, at build).
  }, [
    labels,
    height,
    theme,
    smoothed,
    view.logY,
    xAxis,
    xLabel,
    onlyPoints,
    showLegend
  ]);

  // New points (or the same points drawn otherwise): update in place, keeping
  // a zoomed x range.
  React.useEffect(() => {
    const chart = plot.current;
    if (!chart) {
      return;
    }
    const kept = zoom.current; // setData resets the scales, and so this record
    chart.setData(data);
    if (kept && kept.axis === xAxis) {
      chart.setScale('x', { min: kept.min, max: kept.max });
    }
  }, [data]);

  return (
    <div
      className="jp-nbrun-chart"
      data-key={chartKey ?? title}
      data-points={points}
      data-last-step={lastStep}
      data-axis-color={axisColor}
      data-smoothing={view.smoothing}
      data-log-y={view.logY ? 'true' : 'false'}
      data-drawn-last={drawnLast ?? ''}
      data-zoomed={zoomed ? 'true' : 'false'}
      data-y-scale={yScale}
      data-x-axis={xAxis}
      data-x-ticks={xTicks}
      data-y-ticks={yTicks}
      data-x-range={xRange}
      data-x-drawn={xDrawn}
      data-x-ready={waiting ? 'false' : 'true'}
    >
      <div className="jp-nbrun-chart-title">
        <span>{title}</span>
        {zoomed && (
          <button
            className="jp-nbrun-link jp-nbrun-chart-reset"
            title="Show every step again"
            onClick={() => {
              const chart = plot.current;
              zoom.current = null;
              if (chart) {
                chart.setData(chart.data, true);
              }
              setZoomed(false);
            }}
          >
            Reset zoom
          </button>
        )}
      </div>
      <div className="jp-nbrun-chart-plot" ref={host} />
      <div className="jp-nbrun-chart-caption">
        {xLabel !== undefined ? `x: ${xLabel}` : axisCaption(xAxis)}
        {waiting && ' \u00b7 loading the times\u2026'}
        {missingTimes > 0 &&
          ` \u00b7 ${missingTimes} point${missingTimes === 1 ? '' : 's'} ` +
            'without a recorded time (logged before nbrun kept times) left out'}
      </div>
      {points === 0 && <div className="jp-nbrun-chart-empty">No points</div>}
    </div>
  );
}
