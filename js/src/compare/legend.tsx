/**
 * The compare page's one legend: each run's colour and label, shown once for
 * every chart (the charts draw none), kept in view while the page scrolls.
 * With smoothing each run is still one entry: its faint line is the raw one.
 */
import * as React from 'react';

import { seriesColor } from '../charts/chart';

export function RunLegend(props: {
  labels: string[];
  smoothed: boolean;
}): JSX.Element {
  return (
    <div className="jp-nbrun-page-legend">
      <ul className="jp-nbrun-run-legend" aria-label="Runs compared">
        {props.labels.map((label, i) => (
          <li key={i} data-run={label}>
            <span
              className="jp-nbrun-swatch"
              style={{ background: seriesColor(i) }}
            />
            {label}
          </li>
        ))}
      </ul>
      {props.smoothed && (
        <span className="jp-nbrun-muted jp-nbrun-legend-note">
          Smoothed: each run's faint line is its raw values.
        </span>
      )}
    </div>
  );
}
