/**
 * Parallel coordinates of compared runs: one vertical axis per config key and
 * a last one for a summary metric, one polyline per run, as wide as the panel.
 * Numeric axes span their range, logarithmic where the values span decades
 * (compare/axes.ts); text values are ordered categories; a run without a
 * value on an axis has a gap there. Lines are coloured by the metric (a
 * ramp, its scale drawn beside) or by run. A drag along an axis brushes a
 * range (the arrow keys on a focused axis make and move one): only the runs
 * within every brushed range stay drawn in full; a click on the axis (or
 * Enter, Delete on it) clears its brush. SVG, coloured from
 * JupyterLab's CSS variables (see style), every label drawn as text.
 */
import * as React from 'react';

import { seriesColor } from '../charts/chart';
import { axisScale, IAxisScale } from './axes';
import { brushBetween, brushedRuns, IBrush, nudgeBrush } from './brushing';
import { metricColors, rampColor } from './colorscale';
import { formatValue } from '../components/format';
import { clip } from '../charts/plotscale';

const LEFT = 24;
const RIGHT = 84;
const TOP = 40;
const HEIGHT = 220;
const BOTTOM = 16;
/** Narrowest gap between axes; below, the plot scrolls sideways. */
const MIN_GAP = 90;
/** Half the width of an axis' brushing area. */
const GRIP = 12;

export interface IPlotRun {
  label: string;
  /** The run's colour index (its place in the comparison). */
  index: number;
  values: Record<string, unknown>;
}

export type LineColour = 'metric' | 'run';

/** The width of the element `ref` holds, following its resizes. */
function useWidth(ref: React.RefObject<HTMLElement>, fallback: number): number {
  const [width, setWidth] = React.useState(fallback);
  React.useEffect(() => {
    const node = ref.current;
    if (!node) {
      return;
    }
    const measure = () => setWidth(node.clientWidth || fallback);
    const observer = new ResizeObserver(measure);
    observer.observe(node);
    measure();
    return () => observer.disconnect();
  }, []);
  return width;
}

export function ParallelCoordinates(props: {
  runs: IPlotRun[];
  /** Config keys, one axis each, then the metric's axis. */
  axes: string[];
  metric: string;
  /** The metric's value of each run. */
  metricValues: unknown[];
  colour: LineColour;
}): JSX.Element {
  const { runs, axes, metric } = props;
  const holder = React.useRef<HTMLDivElement>(null);
  const panel = useWidth(holder, 600);
  const [brushes, setBrushes] = React.useState<Map<number, IBrush>>(new Map());
  const [drag, setDrag] = React.useState<{
    axis: number;
    from: number;
    to: number;
  } | null>(null);
  const names = [...axes, metric];
  // Brushes belong to axes: new axes, no brushes.
  const signature = names.join('\0');
  React.useEffect(() => setBrushes(new Map()), [signature]);
  const columns = [
    ...axes.map(key => runs.map(r => r.values[key])),
    props.metricValues
  ];
  const scales = columns.map(axisScale);
  const positions = runs.map((_, r) =>
    scales.map((s, i) => s.pos(columns[i][r]))
  );
  const kept = new Set(brushedRuns(positions, brushes));
  const colours =
    props.colour === 'metric' ? metricColors(props.metricValues) : null;
  const gap =
    names.length > 1
      ? Math.max(MIN_GAP, (panel - LEFT - RIGHT) / (names.length - 1))
      : 0;
  const x = (i: number) => LEFT + i * gap;
  const y = (at: number) => TOP + (1 - at) * HEIGHT;
  const atOf = (clientY: number, svg: SVGSVGElement) =>
    1 - (clientY - svg.getBoundingClientRect().top - TOP) / HEIGHT;
  const width = x(names.length - 1) + RIGHT;
  const labelChars = Math.max(8, Math.floor(gap / 7));
  const setBrush = (axis: number, brush: IBrush | null) => {
    const next = new Map(brushes);
    if (brush) {
      next.set(axis, brush);
    } else {
      next.delete(axis);
    }
    setBrushes(next);
  };
  return (
    <div className="jp-nbrun-parallel-block">
      <div className="jp-nbrun-plot-scroll" ref={holder}>
        <svg
          className="jp-nbrun-plot jp-nbrun-parallel"
          width={width}
          height={TOP + HEIGHT + BOTTOM}
          data-shown={kept.size}
          data-colour={props.colour}
          role="group"
          aria-label={`Parallel coordinates of ${names.join(', ')}`}
        >
          {runs.map((run, r) => (
            <path
              key={r}
              className={`jp-nbrun-pc-line${kept.has(r) ? '' : ' jp-mod-dimmed'}`}
              data-run={run.label}
              stroke={colours?.[r] ?? seriesColor(run.index)}
              d={polyline(positions[r], x, y)}
            >
              <title>
                {run.label}: {metric} {formatValue(props.metricValues[r])}
              </title>
            </path>
          ))}
          {names.map((name, i) => {
            const live =
              drag?.axis === i ? brushBetween(drag.from, drag.to) : null;
            const brush = live ?? brushes.get(i) ?? null;
            return (
              <Axis
                key={name}
                x={x(i)}
                y={y}
                name={name}
                scale={scales[i]}
                metric={i === names.length - 1}
                chars={labelChars}
                brush={brush}
                onPointerDown={e => {
                  const svg = e.currentTarget.ownerSVGElement;
                  if (!svg) {
                    return;
                  }
                  e.currentTarget.setPointerCapture(e.pointerId);
                  const at = atOf(e.clientY, svg);
                  setDrag({ axis: i, from: at, to: at });
                }}
                onPointerMove={e => {
                  const svg = e.currentTarget.ownerSVGElement;
                  if (drag?.axis === i && svg) {
                    setDrag({ ...drag, to: atOf(e.clientY, svg) });
                  }
                }}
                onPointerUp={() => {
                  if (drag?.axis !== i) {
                    return;
                  }
                  // A click (no drag) clears the axis' brush.
                  const moved = Math.abs(drag.to - drag.from) * HEIGHT >= 3;
                  setBrush(i, moved ? brushBetween(drag.from, drag.to) : null);
                  setDrag(null);
                }}
                onClear={() => setBrush(i, null)}
                onNudge={delta =>
                  setBrush(i, nudgeBrush(brushes.get(i) ?? null, delta))
                }
              />
            );
          })}
        </svg>
      </div>
      <div className="jp-nbrun-pc-footer">
        {colours && <ColourScale values={props.metricValues} metric={metric} />}
        <span className="jp-nbrun-pc-status" role="status">
          {brushes.size
            ? `${kept.size} of ${runs.length} runs within the brushed ranges`
            : 'Drag along an axis to keep the runs in a range'}
        </span>
        {brushes.size > 0 && (
          <button
            className="jp-nbrun-button jp-nbrun-pc-clear"
            onClick={() => setBrushes(new Map())}
          >
            Clear brushes
          </button>
        )}
      </div>
    </div>
  );
}

/** The metric's colour ramp, from its smallest value to its largest. */
function ColourScale(props: {
  values: unknown[];
  metric: string;
}): JSX.Element {
  const numbers = props.values.filter(
    (v): v is number => typeof v === 'number' && isFinite(v)
  );
  if (!numbers.length) {
    return (
      <span className="jp-nbrun-muted">
        No run has a value of {props.metric}.
      </span>
    );
  }
  const stops = [0, 0.5, 1].map(t => rampColor(t)).join(', ');
  return (
    <span
      className="jp-nbrun-colour-scale"
      aria-label={`Colour: ${props.metric}`}
    >
      <span className="jp-nbrun-muted">{clip(props.metric, 24)}</span>{' '}
      <span>{formatValue(Math.min(...numbers))}</span>
      <span
        className="jp-nbrun-colour-ramp"
        style={{ background: `linear-gradient(to right, ${stops})` }}
      />
      <span>{formatValue(Math.max(...numbers))}</span>
    </span>
  );
}

/** A path through the points, broken where a run has no value. */
function polyline(
  points: (number | null)[],
  x: (i: number) => number,
  y: (at: number) => number
): string {
  let d = '';
  let open = false;
  points.forEach((at, i) => {
    if (at === null) {
      open = false;
      return;
    }
    d += `${open ? 'L' : 'M'}${x(i).toFixed(1)},${y(at).toFixed(1)} `;
    open = true;
  });
  return d.trim();
}

function Axis(props: {
  x: number;
  y: (at: number) => number;
  name: string;
  scale: IAxisScale;
  metric: boolean;
  chars: number;
  brush: IBrush | null;
  onPointerDown: (e: React.PointerEvent<SVGRectElement>) => void;
  onPointerMove: (e: React.PointerEvent<SVGRectElement>) => void;
  onPointerUp: (e: React.PointerEvent<SVGRectElement>) => void;
  onClear: () => void;
  /** Move the brush (or make one) by the keyboard, up (> 0) or down. */
  onNudge: (delta: number) => void;
}): JSX.Element {
  const { x, y, scale, brush } = props;
  return (
    <g
      className="jp-nbrun-pc-axis"
      data-key={props.name}
      data-scale={
        scale.log ? 'log' : scale.kind === 'number' ? 'linear' : 'category'
      }
    >
      <line className="jp-nbrun-plot-axis" x1={x} x2={x} y1={y(0)} y2={y(1)} />
      <g>
        <title>{props.name}</title>
        <text
          className={`jp-nbrun-plot-title${props.metric ? ' jp-mod-metric' : ''}`}
          x={x}
          y={TOP - 22}
          textAnchor={x === LEFT ? 'start' : 'middle'}
        >
          {clip(props.name, props.chars + 4)}
          {scale.log ? ' (log)' : ''}
        </text>
      </g>
      {scale.ticks.map(tick => (
        <g key={`${tick.at}:${tick.label}`}>
          <line
            className="jp-nbrun-plot-axis"
            x1={x - 3}
            x2={x + 3}
            y1={y(tick.at)}
            y2={y(tick.at)}
          />
          <text
            className="jp-nbrun-plot-tick"
            x={x + 6}
            y={y(tick.at)}
            dominantBaseline="middle"
          >
            {clip(tick.label, props.chars)}
          </text>
        </g>
      ))}
      {brush && (
        <rect
          className="jp-nbrun-pc-brush"
          x={x - GRIP / 2}
          width={GRIP}
          y={y(brush.hi)}
          height={Math.max(1, y(brush.lo) - y(brush.hi))}
        />
      )}
      <rect
        className="jp-nbrun-pc-grip"
        x={x - GRIP}
        width={GRIP * 2}
        y={y(1) - 4}
        height={y(0) - y(1) + 8}
        tabIndex={0}
        role="button"
        aria-label={`Brush ${props.name}: drag along the axis (or press the arrow keys) to keep a range${brush ? '; Enter clears it' : ''}`}
        onPointerDown={props.onPointerDown}
        onPointerMove={props.onPointerMove}
        onPointerUp={props.onPointerUp}
        onKeyDown={e => {
          if (e.key === 'Enter' || e.key === 'Delete' || e.key === 'Escape') {
            props.onClear();
          } else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
            e.preventDefault();
            props.onNudge(e.key === 'ArrowUp' ? 0.1 : -0.1);
          }
        }}
      />
    </g>
  );
}
