/**
 * A run's lineage: the run it was forked from (by name), the runs forked from
 * it, and its rewinds and resumes.
 */
import * as React from 'react';

import { IRunDetail } from '../api/api';
import { formatTime } from '../components/format';

function RunLink(props: {
  id: string;
  name: string | null;
  onOpenRun: (id: string) => void;
}): JSX.Element {
  if (props.name === null) {
    return (
      <span title="this run is no longer in the store">
        {props.id} (deleted)
      </span>
    );
  }
  return (
    <button
      className="jp-nbrun-link"
      title={`run id ${props.id}`}
      onClick={() => props.onOpenRun(props.id)}
    >
      {props.name}
    </button>
  );
}

export function Lineage(props: {
  run: IRunDetail;
  onOpenRun: (id: string) => void;
}): JSX.Element {
  const { run } = props;
  const lineage = run.lineage ?? {};
  const forked = lineage.forked_from;
  const parent = run.parent ?? (forked ? { ...forked, name: forked.id } : null);
  const forks = run.forks ?? [];
  const rewinds = lineage.rewinds ?? [];
  const resumes = lineage.resumes ?? [];
  if (!parent && !forks.length && !rewinds.length && !resumes.length) {
    return (
      <p className="jp-nbrun-muted">
        A fresh run: not forked, rewound or resumed, and no run was forked from
        it.
      </p>
    );
  }
  return (
    <ul className="jp-nbrun-lineage">
      {parent && (
        <li className="jp-nbrun-parent">
          Forked from{' '}
          <RunLink
            id={parent.id}
            name={parent.name}
            onOpenRun={props.onOpenRun}
          />{' '}
          at step {parent.step}
        </li>
      )}
      {rewinds.map((r, i) => (
        <li key={`rewind-${i}`}>
          Rewound to step {r.step} on {formatTime(r.at)}
        </li>
      ))}
      {resumes.map((r, i) => (
        <li key={`resume-${i}`}>
          Resumed at step {r.step} on {formatTime(r.at)}
        </li>
      ))}
      {forks.length > 0 && (
        <li className="jp-nbrun-forks">
          Forked into{' '}
          {forks.map((f, i) => (
            <React.Fragment key={f.id}>
              {i > 0 && ', '}
              <RunLink
                id={f.id}
                name={f.name}
                onOpenRun={props.onOpenRun}
              />{' '}
              (at step {f.step})
            </React.Fragment>
          ))}
          {(run.forks_total ?? forks.length) > forks.length &&
            ` and ${(run.forks_total ?? 0) - forks.length} more`}
        </li>
      )}
    </ul>
  );
}
