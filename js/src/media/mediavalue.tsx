/**
 * The value of one media key at one step, whatever its kind: what the Media
 * section shows under a step slider, and what compare shows for each run.
 */
import * as React from 'react';

import { IMediaEntry, IRunRef, MediaKind, NbrunAPI } from '../api/api';
import { HistogramBars } from './plots/histogrampanel';
import { ImageFrame } from './images/imageframe';
import { AudioPlayer, HtmlFrame, PlotlySummary, VideoPlayer } from './players';
import { PlotChart } from './plots/plotchart';
import { TableViewer } from './tables/tableviewer';

export interface IMediaContext {
  api: NbrunAPI;
  runRef: IRunRef;
  urlOf: (path: string) => string;
}

const NO_OVERLAYS_HIDDEN: ReadonlySet<string> = new Set();

export function MediaValue(props: {
  kind: MediaKind;
  /** The entries at the step (several: a gallery). */
  items: IMediaEntry[];
  context: IMediaContext;
  /** Draw images no wider than this. */
  maxWidth?: number;
}): JSX.Element {
  const { kind, items, context } = props;
  const entry = items[0];
  switch (kind) {
    case 'image':
      return (
        <div
          className={
            items.length > 1 ? 'jp-nbrun-gallery' : 'jp-nbrun-media-single'
          }
          data-count={items.length}
        >
          {items.map(item => (
            <ImageFrame
              key={item.item}
              entry={item}
              urlOf={context.urlOf}
              hidden={NO_OVERLAYS_HIDDEN}
              maxWidth={props.maxWidth}
            />
          ))}
        </div>
      );
    case 'audio':
      return <AudioPlayer entry={entry} urlOf={context.urlOf} />;
    case 'video':
      return <VideoPlayer entry={entry} urlOf={context.urlOf} />;
    case 'html':
      return (
        <HtmlFrame entry={entry} api={context.api} runRef={context.runRef} />
      );
    case 'plotly':
      return (
        <PlotlySummary
          entry={entry}
          api={context.api}
          runRef={context.runRef}
          urlOf={context.urlOf}
        />
      );
    case 'table':
      return (
        <TableViewer
          key={entry.file ?? ''}
          entry={entry}
          api={context.api}
          runRef={context.runRef}
          urlOf={context.urlOf}
        />
      );
    case 'chart':
      return (
        <PlotChart
          key={entry.file ?? ''}
          entry={entry}
          api={context.api}
          runRef={context.runRef}
        />
      );
    case 'histogram':
      return (
        <HistogramBars
          hist={{
            step: entry.step,
            values: entry.meta.values ?? [],
            bins: entry.meta.bins ?? []
          }}
        />
      );
    default:
      return (
        <p className="jp-nbrun-muted">No view for {String(kind)} values.</p>
      );
  }
}
