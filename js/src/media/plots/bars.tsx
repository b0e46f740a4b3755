/**
 * Bars in SVG: a histogram's counts between its edges (a numeric x axis), or
 * a value per category (a bar chart). Each bar says its range and value when
 * hovered.
 */
import * as React from 'react';

import { seriesColor } from '../../charts/chart';
import { formatNumber } from '../../components/format';
import { clip } from '../../charts/plotscale';
import { tickLabels } from '../../charts/ticks';

/** One bar: from x0 to x1 (category i: i to i + 1). */
export interface IBar {
  x0: number;
  x1: number;
  value: number;
  /** The category's name (bar charts). */
  label?: string;
}

const WIDTH = 480;
const HEIGHT = 200;
const LEFT = 48;
const RIGHT = 12;
const TOP = 10;
const BOTTOM = 36;
/** Most category names written under the bars. */
const MAX_LABELS = 16;

export function Bars(props: {
  bars: IBar[];
  categories?: boolean;
  xTitle?: string;
  colour?: string;
  className?: string;
}): JSX.Element {
  const { bars, categories } = props;
  const lo = bars.length ? Math.min(...bars.map(b => b.x0)) : 0;
  const hi = bars.length ? Math.max(...bars.map(b => b.x1)) : 1;
  const top = Math.max(0, ...bars.map(b => b.value));
  const bottom = Math.min(0, ...bars.map(b => b.value));
  const span = hi > lo ? hi - lo : 1;
  const px = (x: number) => LEFT + ((x - lo) / span) * (WIDTH - LEFT - RIGHT);
  const yspan = top > bottom ? top - bottom : 1;
  const py = (y: number) =>
    TOP + (1 - (y - bottom) / yspan) * (HEIGHT - TOP - BOTTOM);
  const xTicks = categories
    ? []
    : [0, 0.25, 0.5, 0.75, 1].map(a => lo + a * span);
  const xLabels = tickLabels(xTicks);
  const yTicks = top > bottom ? [bottom, (bottom + top) / 2, top] : [top];
  const yLabels = tickLabels(yTicks);
  const every = Math.ceil(bars.length / MAX_LABELS);
  const colour = props.colour ?? seriesColor(0);
  return (
    <svg
      className={`jp-nbrun-plot jp-nbrun-bars ${props.className ?? ''}`}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={props.xTitle ?? 'bars'}
      data-bars={bars.length}
    >
      {yTicks.map((t, i) => (
        <g key={`y${i}`}>
          <line
            className="jp-nbrun-plot-grid"
            x1={LEFT}
            x2={WIDTH - RIGHT}
            y1={py(t)}
            y2={py(t)}
          />
          <text
            className="jp-nbrun-plot-tick"
            x={LEFT - 4}
            y={py(t) + 4}
            textAnchor="end"
          >
            {yLabels[i]}
          </text>
        </g>
      ))}
      {bars.map((b, i) => {
        const x = px(b.x0);
        const w = Math.max(px(b.x1) - x - (categories ? 2 : 0.5), 0.5);
        const y = py(Math.max(b.value, 0));
        const h = Math.abs(py(b.value) - py(0));
        const what = categories
          ? (b.label ?? String(i))
          : `${formatNumber(b.x0)} to ${formatNumber(b.x1)}`;
        return (
          <rect
            key={i}
            className="jp-nbrun-bar"
            x={categories ? x + 1 : x}
            y={y}
            width={w}
            height={Math.max(h, b.value ? 0.5 : 0)}
            fill={colour}
            data-value={b.value}
            data-label={categories ? b.label : undefined}
          >
            <title>{`${what}: ${formatNumber(b.value)}`}</title>
          </rect>
        );
      })}
      <line
        className="jp-nbrun-plot-axis"
        x1={LEFT}
        x2={WIDTH - RIGHT}
        y1={py(0)}
        y2={py(0)}
      />
      {categories
        ? bars.map((b, i) =>
            i % every === 0 ? (
              <text
                key={`c${i}`}
                className="jp-nbrun-plot-tick"
                x={(px(b.x0) + px(b.x1)) / 2}
                y={HEIGHT - BOTTOM + 14}
                textAnchor="middle"
              >
                {clip(b.label ?? String(i), 14)}
              </text>
            ) : null
          )
        : xTicks.map((t, i) => (
            <text
              key={`x${i}`}
              className="jp-nbrun-plot-tick"
              x={px(t)}
              y={HEIGHT - BOTTOM + 14}
              textAnchor={
                i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle'
              }
            >
              {xLabels[i]}
            </text>
          ))}
      {props.xTitle && (
        <text
          className="jp-nbrun-plot-title"
          x={(LEFT + WIDTH - RIGHT) / 2}
          y={HEIGHT - 4}
          textAnchor="middle"
        >
          {props.xTitle}
        </text>
      )}
    </svg>
  );
}
