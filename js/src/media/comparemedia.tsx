/**
 * Compare's media: one media key of every compared run side by side, each at
 * the step a shared slider picks (a run that did not log the key at that step
 * shows its latest value before it, and says which step that is).
 */
import * as React from 'react';

import { IRunDetail, MediaKind, NbrunAPI, runKey } from '../api/api';
import { seriesColor } from '../charts/chart';
import { indexAtOrBefore, orderedKeys } from './mediagroups';
import { MediaIndex } from './mediaindex';
import { IMediaContext, MediaValue } from './mediavalue';
import { StepSlider } from './images/stepslider';

/** Images in compare are drawn at most this wide. */
const CELL_WIDTH = 260;

export function CompareMedia(props: {
  runs: IRunDetail[];
  labels: string[];
  api: NbrunAPI;
}): JSX.Element {
  const { runs, labels, api } = props;
  const kinds: Record<string, MediaKind> = {};
  for (const run of runs) {
    for (const [key, kind] of Object.entries(run.media ?? {})) {
      kinds[key] = kinds[key] ?? kind;
    }
  }
  const keys = orderedKeys(kinds);
  const [chosen, setChosen] = React.useState<string | null>(null);
  const key = chosen !== null && keys.includes(chosen) ? chosen : keys[0];
  if (!key) {
    return <p className="jp-nbrun-muted">None of these runs logged media.</p>;
  }
  return (
    <div className="jp-nbrun-compare-media-section">
      <label className="jp-nbrun-key-select">
        Media key
        <select
          className="jp-mod-styled jp-nbrun-compare-media-key"
          value={key}
          onChange={e => setChosen(e.target.value)}
        >
          {keys.map(k => (
            <option key={k} value={k}>
              {k} ({kinds[k]})
            </option>
          ))}
        </select>
      </label>
      <SideBySide
        key={key}
        mediaKey={key}
        runs={runs}
        labels={labels}
        api={api}
      />
    </div>
  );
}

function SideBySide(props: {
  mediaKey: string;
  runs: IRunDetail[];
  labels: string[];
  api: NbrunAPI;
}): JSX.Element {
  const { mediaKey, runs, labels, api } = props;
  const indexes = useIndexes(api, runs, mediaKey);
  const series = indexes.map(ix => ix.series.get(mediaKey) ?? null);
  const steps = Array.from(
    new Set(series.flatMap(s => (s ? s.steps.map(x => x.step) : [])))
  ).sort((a, b) => a - b);
  const [picked, setPicked] = React.useState<number | null>(null);
  const index =
    picked === null ? steps.length - 1 : Math.min(picked, steps.length - 1);
  const step = steps[index];
  return (
    <>
      {steps.length > 0 && (
        <StepSlider
          steps={steps}
          index={index}
          onChange={i => setPicked(i >= steps.length - 1 ? null : i)}
          label={`Step of ${mediaKey} in every run`}
        />
      )}
      <div
        className="jp-nbrun-compare-media"
        data-key={mediaKey}
        data-step={step ?? ''}
      >
        {runs.map((run, r) => {
          const s = series[r];
          const at = s
            ? indexAtOrBefore(
                s.steps.map(x => x.step),
                step
              )
            : -1;
          const shown =
            s && at >= 0 && s.steps[at].step <= step ? s.steps[at] : null;
          const context: IMediaContext = {
            api,
            runRef: { store: run.store, id: run.id },
            urlOf: path => api.fileUrl(run, path)
          };
          return (
            <div
              key={runKey(run)}
              className="jp-nbrun-compare-media-run"
              data-run={labels[r]}
              data-shown-step={shown ? shown.step : ''}
            >
              <div className="jp-nbrun-compare-media-head">
                <span
                  className="jp-nbrun-swatch"
                  style={{ background: seriesColor(r) }}
                />
                {labels[r]}
                {shown && shown.step !== step && (
                  <span className="jp-nbrun-muted"> (step {shown.step})</span>
                )}
              </div>
              {!indexes[r].loaded ? (
                <p className="jp-nbrun-muted">{'Loading\u2026'}</p>
              ) : shown && s ? (
                <MediaValue
                  kind={s.kind}
                  items={shown.items}
                  context={context}
                  maxWidth={CELL_WIDTH}
                />
              ) : (
                <p className="jp-nbrun-muted">
                  {s ? `Nothing logged by step ${step}.` : `No ${mediaKey}.`}
                </p>
              )}
            </div>
          );
        })}
      </div>
    </>
  );
}

/** The media of `key` of each run, refreshed when a run moves on. */
function useIndexes(
  api: NbrunAPI,
  runs: IRunDetail[],
  key: string
): MediaIndex[] {
  const ids = runs.map(runKey).join('\0');
  const indexes = React.useMemo(
    () =>
      runs.map(
        run => new MediaIndex(api, { store: run.store, id: run.id }, key)
      ),
    [api, ids, key]
  );
  const [, setVersion] = React.useState(0);
  React.useEffect(() => {
    const bump = () => setVersion(v => v + 1);
    indexes.forEach(ix => ix.changed.connect(bump));
    return () => indexes.forEach(ix => ix.changed.disconnect(bump));
  }, [indexes]);
  // Refreshed when a run's step, time or state changes (not on every render).
  const moved = runs
    .map(r => `${r.last_step}:${r.updated_at}:${r.state}`)
    .join('|');
  React.useEffect(() => {
    indexes.forEach((ix, i) => void ix.refresh(runs[i]));
  }, [indexes, moved]);
  return indexes;
}
