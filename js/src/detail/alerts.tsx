/**
 * A run's alerts (`run.alert()`) in the sidebar: the list in the detail view,
 * the mark on a run in the runs list, and the icon telling the levels apart
 * by shape as well as by colour.
 */
import * as React from 'react';

import { AlertLevel, IAlert, IRunSummary } from '../api/api';
import { formatTime } from '../components/format';

const LEVEL_NAMES: Record<AlertLevel, string> = {
  INFO: 'information',
  WARN: 'warning',
  ERROR: 'error'
};

/** A known level, or INFO for anything else a newer writer might store. */
export function alertLevel(level: string | null | undefined): AlertLevel {
  return level === 'WARN' || level === 'ERROR' ? level : 'INFO';
}

/** A circle with an "i", a triangle with a "!", an octagon with a cross. */
export function AlertIcon(props: { level: string }): JSX.Element {
  const level = alertLevel(props.level);
  return (
    <svg
      className="jp-nbrun-alert-icon"
      data-level={level}
      viewBox="0 0 16 16"
      width="14"
      height="14"
      role="img"
      aria-label={LEVEL_NAMES[level]}
    >
      {level === 'INFO' && (
        <>
          <circle cx="8" cy="8" r="7" fill="currentColor" />
          <rect
            x="7"
            y="7"
            width="2"
            height="5"
            className="jp-nbrun-alert-glyph"
          />
          <rect
            x="7"
            y="4"
            width="2"
            height="2"
            className="jp-nbrun-alert-glyph"
          />
        </>
      )}
      {level === 'WARN' && (
        <>
          <polygon points="8,1 15.5,15 0.5,15" fill="currentColor" />
          <rect
            x="7"
            y="5.5"
            width="2"
            height="5"
            className="jp-nbrun-alert-glyph"
          />
          <rect
            x="7"
            y="11.5"
            width="2"
            height="2"
            className="jp-nbrun-alert-glyph"
          />
        </>
      )}
      {level === 'ERROR' && (
        <>
          <polygon
            points="5,1 11,1 15,5 15,11 11,15 5,15 1,11 1,5"
            fill="currentColor"
          />
          <path
            d="M5.5 5.5 L10.5 10.5 M10.5 5.5 L5.5 10.5"
            strokeWidth="2"
            className="jp-nbrun-alert-glyph-line"
          />
        </>
      )}
    </svg>
  );
}

/** The detail view's list: newest first, and how many older ones were not sent. */
export function AlertList(props: {
  alerts: IAlert[];
  total: number;
}): JSX.Element {
  const newestFirst = [...props.alerts].reverse();
  const more = Math.max(0, props.total - props.alerts.length);
  return (
    <div className="jp-nbrun-alerts">
      <ol className="jp-nbrun-alert-list">
        {newestFirst.map((alert, i) => {
          const level = alertLevel(alert.level);
          return (
            <li
              key={`${alert.time}:${i}`}
              className="jp-nbrun-alert"
              data-level={level}
            >
              <div className="jp-nbrun-alert-head">
                <AlertIcon level={level} />
                <span className="jp-nbrun-alert-level">{level}</span>
                <span className="jp-nbrun-alert-title">{alert.title}</span>
              </div>
              <div className="jp-nbrun-alert-when">
                <span className="jp-nbrun-alert-time">
                  {formatTime(alert.time)}
                </span>
                {alert.step !== null && alert.step !== undefined && (
                  <span className="jp-nbrun-alert-step">step {alert.step}</span>
                )}
                {(alert.suppressed ?? 0) > 0 && (
                  <span
                    className="jp-nbrun-alert-suppressed"
                    title="calls with this title that wait_duration held back before this one"
                  >
                    {alert.suppressed} held back
                  </span>
                )}
              </div>
              {alert.text && (
                <div className="jp-nbrun-alert-text">{alert.text}</div>
              )}
            </li>
          );
        })}
      </ol>
      {more > 0 && (
        <p className="jp-nbrun-muted jp-nbrun-alerts-more">
          {more} more (older) not shown
        </p>
      )}
    </div>
  );
}

/** What the runs list's mark says, for its tooltip and screen readers. */
export function alertMarkText(count: number, level: string): string {
  const noun = count === 1 ? 'alert' : 'alerts';
  return `${count} ${noun}; the newest is ${LEVEL_NAMES[alertLevel(level)]}`;
}

/** The runs list's mark on a run with alerts: the newest one's icon and the count. */
export function AlertMark(props: { run: IRunSummary }): JSX.Element | null {
  const count = props.run.alert_count ?? 0;
  if (count <= 0) {
    return null;
  }
  const level = alertLevel(props.run.alert_level);
  const text = alertMarkText(count, level);
  return (
    <span
      className="jp-nbrun-alert-mark"
      data-level={level}
      title={text}
      aria-label={text}
      role="img"
    >
      <AlertIcon level={level} />
      <span aria-hidden="true">{count}</span>
    </span>
  );
}
