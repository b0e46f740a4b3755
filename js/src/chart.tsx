/**
 * Line charts of run history, drawn with uPlot (canvas, fast on long series,
 * cheap to update with `setData` while a run is logging).
 */
import * as React from 'react';
import uPlot from 'uplot';

import { DEFAULT_VIEW, IChartView } from './chartcontrols';
import { ema, positiveOnly } from './smoothing';
import { cssVar, useThemeName } from './theme';

/** One line: a label and its points. */
export interface ISeries {
  label: string;
  steps: number[];
  values: (number | null)[];
}

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

/** Series on one shared x axis (steps), with gaps where a series has no point. */
export function alignSeries(series: ISeries[]): uPlot.AlignedData {
  if (series.length === 0) {
    return [[]];
  }
  if (series.length === 1) {
    return [series[0].steps, series[0].values] as uPlot.AlignedData;
  }
  return uPlot.join(series.map(s => [s.steps, s.values] as uPlot.AlignedData));
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
}

/**
 * A uPlot chart that follows its container's width and redraws with new data
 * without being rebuilt (unless the set of lines changes).
 */
export function LineChart(props: ILineChartProps): JSX.Element {
  const { title, series, height = 180, chartKey } = props;
  const view = props.view ?? DEFAULT_VIEW;
  const smoothed = view.smoothing > 0;
  const host = React.useRef<HTMLDivElement>(null);
  const plot = React.useRef<uPlot | null>(null);
  const theme = useThemeName();
  const [axisColor, setAxisColor] = React.useState('');
  const [zoomed, setZoomed] = React.useState(false);
  const [yScale, setYScale] = React.useState('');
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
  const data = React.useMemo(() => alignSeries(drawn), [drawn]);
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
    const opts: uPlot.Options = {
      width: Math.max(node.clientWidth, 200),
      height,
      scales: {
        x: { time: false },
        y: view.logY ? { distr: 3 } : {}
      },
      axes: [{ ...axis }, { ...axis, size: 56 }],
      // Drag across to zoom on steps; "Reset zoom" (or a double click) undoes it.
      cursor: { drag: { x: true, y: false } },
      legend: { show: true, live: true },
      hooks: {
        setSelect: [
          u => {
            if (u.select.width > 0) {
              setZoomed(true);
            }
          }
        ]
      },
      series: [
        { label: 'step' },
        ...series.flatMap((s, i) => {
          const line = {
            label: s.label,
            stroke: seriesColor(i),
            width: 1.5,
            spanGaps: true,
            points: { show: false }
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
    const chart = new uPlot(opts, data, node);
    plot.current = chart;
    setYScale(chart.scales.y?.distr === 3 ? 'log' : 'linear');
    setZoomed(false);
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
  }, [labels, height, theme, smoothed, view.logY]);

  // New points: update in place (keeps zoom unless the x range grows).
  React.useEffect(() => {
    plot.current?.setData(data);
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
    >
      <div className="jp-nbrun-chart-title">
        <span>{title}</span>
        {zoomed && (
          <button
            className="jp-nbrun-link jp-nbrun-chart-reset"
            title="Show every step again"
            onClick={() => {
              const chart = plot.current;
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
      {points === 0 && <div className="jp-nbrun-chart-empty">No points</div>}
    </div>
  );
}
