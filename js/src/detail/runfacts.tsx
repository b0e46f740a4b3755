/**
 * The parts of a run's detail view that show what the store holds: facts,
 * sections, key/value tables, the sync status and the values not stored.
 */
import * as React from 'react';

import { IRunDetail, ISyncStatus, IUnstored } from '../api/api';
import { formatValue } from '../components/format';

/** Synced / N behind / last error, and a link to the run on the tracking server. */
export function SyncFact(props: { sync: ISyncStatus }): JSX.Element {
  const { sync } = props;
  const url = sync.url && /^https?:\/\//.test(sync.url) ? sync.url : null;
  return (
    <div className="jp-nbrun-fact jp-nbrun-sync">
      <dt>Server</dt>
      <dd>
        <span className="jp-nbrun-sync-label">{sync.label}</span>
        {url && (
          <>
            {' · '}
            <a href={url} target="_blank" rel="noopener noreferrer">
              open in MLflow
            </a>
          </>
        )}
        {sync.refused > 0 && ` · ${sync.refused} points refused`}
        {sync.last_error && (
          <div className="jp-nbrun-sync-error">
            last error: {sync.last_error}
          </div>
        )}
      </dd>
    </div>
  );
}

export function Fact(props: {
  label: string;
  value: string;
  className?: string;
}): JSX.Element {
  return (
    <div className={`jp-nbrun-fact ${props.className ?? ''}`}>
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
    </div>
  );
}

export function Section(props: {
  title: string;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <section className="jp-nbrun-section">
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

export function KeyValueTable(props: {
  values: Record<string, unknown>;
  className: string;
}): JSX.Element {
  const entries = Object.entries(props.values).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0
  );
  if (entries.length === 0) {
    return <p className="jp-nbrun-muted">Empty.</p>;
  }
  return (
    <table className={`jp-nbrun-table ${props.className}`}>
      <tbody>
        {entries.map(([key, value]) => (
          <tr key={key}>
            <th scope="row">{key}</th>
            <td>{formatValue(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A warning naming the logged values this run could not store (key, step, reason). */
export function Unstored(props: { run: IRunDetail }): JSX.Element | null {
  const unstored = props.run.unstored as IUnstored | undefined;
  if (!unstored || !unstored.count) {
    return null;
  }
  return (
    <div className="jp-nbrun-unstored" role="alert">
      {unstored.count} logged value{unstored.count === 1 ? '' : 's'} could not
      be stored:
      <ul>
        {(unstored.items ?? []).map((item, i) => (
          <li key={i}>
            {item.key}
            {item.step !== null ? ` at step ${item.step}` : ''}: {item.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}
