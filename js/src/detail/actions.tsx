/**
 * The detail view's actions: resume, fork or rewind the run into the notebook
 * at a step; mark a stale run crashed or finished; delete it.
 */
import * as React from 'react';

import { IRunDetail } from '../api/api';
import { CellAction } from '../notebook/cells';

export interface IActionsProps {
  run: IRunDetail;
  onWriteCell: (action: CellAction, step?: number) => void;
  onMark: (state: 'crashed' | 'finished') => Promise<void>;
  onDelete: () => Promise<void>;
  onExportHistory: () => Promise<void>;
}

/** Why `step` cannot be used, or null when it can. */
export function stepProblem(step: string, lastStep: number): string | null {
  if (lastStep < 0) {
    return 'The run logged no step yet: only a plain resume is possible.';
  }
  const n = Number(step);
  if (step.trim() === '' || !Number.isInteger(n) || n < 0) {
    return `Type a whole step from 0 to ${lastStep}.`;
  }
  if (n > lastStep) {
    return `Step ${n} is past the run's last step (${lastStep}): pick 0 to ${lastStep}.`;
  }
  return null;
}

/**
 * Resuming at the last step continues the run (`resume: must`); resuming at an
 * earlier step N rewinds it to N and continues from there (`resume_from`).
 */
export function resumeCell(
  step: number,
  lastStep: number
): { action: CellAction; step?: number } {
  return step >= lastStep ? { action: 'resume' } : { action: 'rewind', step };
}

export function Actions(props: IActionsProps): JSX.Element {
  const { run } = props;
  const lastStep = run.last_step;
  const [typed, setTyped] = React.useState<string | null>(null);
  // Until the user types a step, the step follows the run's last step.
  const step = typed ?? String(Math.max(0, lastStep));
  const stepNumber = Number(step);
  const problem = stepProblem(step, lastStep);
  // A live run cannot be continued from a second process: init() refuses the
  // cell, so the buttons are off and say why. Forking it is fine.
  const live =
    run.state === 'running' && !run.stale
      ? 'The run is still running; resume or rewind it once it has finished (or is marked crashed). Forking it is possible now.'
      : null;
  const resume = () => {
    if (lastStep < 0 || problem) {
      props.onWriteCell('resume');
      return;
    }
    const cell = resumeCell(stepNumber, lastStep);
    props.onWriteCell(cell.action, cell.step);
  };
  return (
    <div className="jp-nbrun-detail-actions">
      <div className="jp-nbrun-action-group">
        <button
          className="jp-nbrun-button jp-mod-accept jp-nbrun-resume"
          disabled={live !== null || (problem !== null && lastStep >= 0)}
          title={
            live ??
            (problem && lastStep >= 0
              ? problem
              : 'Write a cell that resumes this run at the step (an earlier step rewinds it there first)')
          }
          onClick={resume}
        >
          Resume in notebook
        </button>
        <label className="jp-nbrun-step">
          at step
          <input
            className="jp-mod-styled jp-nbrun-step-input"
            type="number"
            min={0}
            max={Math.max(0, lastStep)}
            step={1}
            value={step}
            aria-invalid={problem !== null}
            onChange={e => setTyped(e.target.value)}
          />
        </label>
        <button
          className="jp-nbrun-button jp-nbrun-fork"
          disabled={problem !== null}
          title={
            problem ??
            'Write a cell that forks a new run from this one at the step'
          }
          onClick={() => props.onWriteCell('fork', stepNumber)}
        >
          Fork at step
        </button>
        <button
          className="jp-nbrun-button jp-nbrun-rewind"
          disabled={live !== null || problem !== null}
          title={
            live ??
            problem ??
            'Write a cell that rewinds this run to the step and continues it'
          }
          onClick={() => props.onWriteCell('rewind', stepNumber)}
        >
          Rewind at step
        </button>
        {problem && (
          <span className="jp-nbrun-step-problem" role="status">
            {problem}
          </span>
        )}
      </div>
      <div className="jp-nbrun-action-group">
        {run.state === 'running' && !run.stale && (
          <span
            className="jp-nbrun-muted jp-nbrun-live"
            title="Its process is alive and its heartbeat is recent"
          >
            live
          </span>
        )}
        {run.state === 'running' && run.stale && (
          <button
            className="jp-nbrun-button jp-nbrun-mark-crashed"
            title="For a run whose process is gone"
            onClick={() => void props.onMark('crashed')}
          >
            Mark crashed
          </button>
        )}
        {((run.state === 'running' && run.stale) ||
          run.state === 'crashed') && (
          <button
            className="jp-nbrun-button jp-nbrun-mark-finished"
            title="For a run whose process is gone, or a crashed run that did finish its work"
            onClick={() => void props.onMark('finished')}
          >
            Mark finished
          </button>
        )}
        <button
          className="jp-nbrun-button jp-nbrun-export-history"
          title="Download every number the run logged (one row per step) as CSV"
          onClick={() => void props.onExportHistory()}
        >
          History CSV
        </button>
        <button
          className="jp-nbrun-button jp-mod-warn jp-nbrun-delete"
          onClick={() => void props.onDelete()}
        >
          Delete run
        </button>
      </div>
    </div>
  );
}
