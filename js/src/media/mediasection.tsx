/**
 * The detail view's Media section: a panel per media key, images first, then
 * video, audio, HTML, histograms, charts and tables. Images and histograms
 * have their own panels (overlays, heatmap); every other kind shows the value
 * at the step its slider picks.
 */
import * as React from 'react';

import { IRunDetail, NbrunAPI } from '../api/api';
import { HistogramPanel } from './plots/histogrampanel';
import { ImagePanel } from './images/imagepanel';
import { IMediaSeries, orderedKeys } from './mediagroups';
import { useMediaIndex } from './mediaindex';
import { IMediaContext, MediaValue } from './mediavalue';
import { StepSlider, useStepIndex } from './images/stepslider';

export function MediaSection(props: {
  run: IRunDetail;
  api: NbrunAPI;
}): JSX.Element {
  const { run, api } = props;
  const index = useMediaIndex(api, run);
  const context = React.useMemo<IMediaContext>(() => {
    const runRef = { store: run.store, id: run.id };
    return { api, runRef, urlOf: path => api.fileUrl(runRef, path) };
  }, [api, run.store, run.id]);
  if (index.error && !index.loaded) {
    return (
      <p className="jp-nbrun-error">Could not load the media: {index.error}</p>
    );
  }
  if (!index.loaded) {
    return <p className="jp-nbrun-muted">{'Loading the media\u2026'}</p>;
  }
  const keys = orderedKeys(index.kinds).filter(k => index.series.has(k));
  return (
    <div className="jp-nbrun-media" data-keys={keys.length}>
      {index.truncated && (
        <p className="jp-nbrun-muted">
          The run logged more media values than are listed at once: only the
          first are shown.
        </p>
      )}
      {keys.map(key => (
        <MediaPanel
          key={key}
          series={index.series.get(key)!}
          context={context}
        />
      ))}
    </div>
  );
}

function MediaPanel(props: {
  series: IMediaSeries;
  context: IMediaContext;
}): JSX.Element {
  const { series, context } = props;
  const count = series.steps.length;
  let body: JSX.Element;
  if (series.kind === 'image') {
    body = <ImagePanel series={series} urlOf={context.urlOf} />;
  } else if (series.kind === 'histogram') {
    body = <HistogramPanel series={series} />;
  } else {
    body = <SteppedValue series={series} context={context} />;
  }
  return (
    <details
      className="jp-nbrun-media-panel"
      data-key={series.key}
      data-kind={series.kind}
      open
    >
      <summary>
        <span className="jp-nbrun-media-key">{series.key}</span>{' '}
        <span className="jp-nbrun-muted">
          {series.kind}
          {count > 1 ? `, ${count} steps` : `, step ${series.steps[0].step}`}
        </span>
      </summary>
      {body}
    </details>
  );
}

/** A key of any other kind: its value at the step the slider picks. */
function SteppedValue(props: {
  series: IMediaSeries;
  context: IMediaContext;
}): JSX.Element {
  const { series } = props;
  const steps = series.steps.map(s => s.step);
  const [index, setIndex] = useStepIndex(steps.length);
  return (
    <>
      {steps.length > 1 && (
        <StepSlider
          steps={steps}
          index={index}
          onChange={setIndex}
          label={`Step of ${series.key}`}
        />
      )}
      <MediaValue
        kind={series.kind}
        items={series.steps[index].items}
        context={props.context}
      />
    </>
  );
}
