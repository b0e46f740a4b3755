/**
 * Audio, video and HTML values: the browser's own players, fed from the
 * run-file endpoint (which serves a range of the file at a time); an HTML page
 * in a sandboxed frame.
 */
import * as React from 'react';

import { IMediaEntry, IRunRef, NbrunAPI } from '../api/api';
import { formatBytes } from '../components/format';

export function AudioPlayer(props: {
  entry: IMediaEntry;
  urlOf: (path: string) => string;
}): JSX.Element {
  const { entry } = props;
  const meta = entry.meta;
  const facts = [
    meta.duration !== undefined ? `${meta.duration.toFixed(2)} s` : '',
    meta.sample_rate ? `${meta.sample_rate} Hz` : '',
    meta.channels
      ? meta.channels === 1
        ? 'mono'
        : `${meta.channels} channels`
      : ''
  ].filter(Boolean);
  return (
    <figure className="jp-nbrun-media-figure">
      <audio
        className="jp-nbrun-media-audio"
        controls
        preload="metadata"
        src={entry.file ? props.urlOf(entry.file) : undefined}
        data-step={entry.step}
      />
      <figcaption className="jp-nbrun-media-caption">
        {meta.caption && <span>{meta.caption} </span>}
        <span className="jp-nbrun-muted">{facts.join(' \u00b7 ')}</span>
      </figcaption>
    </figure>
  );
}

export function VideoPlayer(props: {
  entry: IMediaEntry;
  urlOf: (path: string) => string;
}): JSX.Element {
  const { entry } = props;
  const meta = entry.meta;
  const url = entry.file ? props.urlOf(entry.file) : undefined;
  const facts = [
    meta.width && meta.height ? `${meta.width}\u00d7${meta.height}` : '',
    meta.frames ? `${meta.frames} frames` : '',
    meta.fps ? `${meta.fps} fps` : '',
    meta.format ?? ''
  ].filter(Boolean);
  // A GIF is an image to the browser: <video> plays no GIF.
  const gif = meta.format === 'gif' || /\.gif$/i.test(entry.file ?? '');
  return (
    <figure className="jp-nbrun-media-figure">
      {gif ? (
        <img
          className="jp-nbrun-media-gif"
          src={url}
          alt={meta.caption || entry.key}
          data-step={entry.step}
          style={{ width: Math.max(meta.width ?? 240, 240) }}
        />
      ) : (
        <video
          className="jp-nbrun-media-video"
          controls
          muted
          preload="metadata"
          src={url}
          data-step={entry.step}
        />
      )}
      <figcaption className="jp-nbrun-media-caption">
        {meta.caption && <span>{meta.caption} </span>}
        <span className="jp-nbrun-muted">{facts.join(' \u00b7 ')}</span>
      </figcaption>
    </figure>
  );
}

/**
 * An HTML value in a frame sandboxed without `allow-same-origin`: its scripts
 * run (a report may need them) in an origin of their own, so they can read
 * no cookie and no storage of Jupyter's, nor reach into this page.
 */
export function HtmlFrame(props: {
  entry: IMediaEntry;
  api: NbrunAPI;
  runRef: IRunRef;
}): JSX.Element {
  const { entry, api, runRef } = props;
  const text = useFileText(api, runRef, entry.file);
  if (text.error) {
    return (
      <p className="jp-nbrun-error">Could not load the page: {text.error}</p>
    );
  }
  return (
    <figure className="jp-nbrun-media-figure jp-nbrun-html">
      <iframe
        className="jp-nbrun-html-frame"
        title={`${entry.key} at step ${entry.step}`}
        sandbox="allow-scripts"
        referrerPolicy="no-referrer"
        srcDoc={text.value ?? ''}
        data-step={entry.step}
        data-ready={text.value === null ? 'false' : 'true'}
      />
      <figcaption className="jp-nbrun-media-caption jp-nbrun-muted">
        {formatBytes(entry.size)} of HTML, sandboxed (no access to Jupyter)
      </figcaption>
    </figure>
  );
}

/** A plotly figure: its traces (the JSON can be opened). */
export function PlotlySummary(props: {
  entry: IMediaEntry;
  api: NbrunAPI;
  runRef: IRunRef;
  urlOf: (path: string) => string;
}): JSX.Element {
  const { entry } = props;
  const text = useFileText(props.api, props.runRef, entry.file);
  let traces: string[] = [];
  let title = '';
  try {
    const figure = text.value ? JSON.parse(text.value) : null;
    traces = (figure?.data ?? []).map(
      (t: { type?: string; name?: string }) =>
        `${t.type ?? 'scatter'}${t.name ? ` "${t.name}"` : ''}`
    );
    const t = figure?.layout?.title;
    title = typeof t === 'string' ? t : (t?.text ?? '');
  } catch {
    traces = [];
  }
  return (
    <div className="jp-nbrun-plotly">
      <p>
        A plotly figure{title ? ` "${title}"` : ''}
        {traces.length > 0 && `: ${traces.join(', ')}`}.{' '}
        {entry.file && (
          <a
            href={props.urlOf(entry.file)}
            target="_blank"
            rel="noopener noreferrer"
          >
            Open its JSON
          </a>
        )}
      </p>
    </div>
  );
}

/** The text of a run file, fetched once per file. */
function useFileText(
  api: NbrunAPI,
  ref: IRunRef,
  path: string | null
): { value: string | null; error: string | null } {
  const [state, setState] = React.useState<{
    path: string | null;
    value: string | null;
    error: string | null;
  }>({ path: null, value: null, error: null });
  React.useEffect(() => {
    if (!path) {
      return;
    }
    let live = true;
    api.fileText(ref, path).then(
      value => live && setState({ path, value, error: null }),
      error =>
        live &&
        setState({ path, value: null, error: String(error.message ?? error) })
    );
    return () => {
      live = false;
    };
  }, [api, ref.store, ref.id, path]);
  return state.path === path ? state : { value: null, error: null };
}
