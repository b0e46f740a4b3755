/**
 * An image key over its steps: a step slider, the image (or gallery) logged
 * at the chosen step with its caption, and switches for its masks and boxes.
 * The images of the steps around the chosen one are loaded ahead, so moving
 * the slider shows each step without waiting for the server.
 */
import * as React from 'react';

import { IMediaMeta } from '../../api/api';
import { imageCache, prefetchOrder } from './imagecache';
import { ImageFrame } from './imageframe';
import { prepareMask } from './masklayers';
import { IMediaSeries } from '../mediagroups';
import { className, cssColour, IOverlay, overlaysOf } from './overlays';
import { StepSlider, useStepIndex } from './stepslider';

export function ImagePanel(props: {
  series: IMediaSeries;
  urlOf: (path: string) => string;
}): JSX.Element {
  const { series, urlOf } = props;
  const steps = React.useMemo(
    () => series.steps.map(s => s.step),
    [series.steps]
  );
  const [index, setIndex, direction] = useStepIndex(steps.length);
  const [hidden, setHidden] = React.useState<ReadonlySet<string>>(new Set());
  const current = series.steps[index];
  const overlays = React.useMemo(
    () => overlaysOf(series.steps.flatMap(s => s.items.map(i => i.meta))),
    [series.steps]
  );

  React.useEffect(() => {
    const urls: string[] = [];
    const masks: string[] = [];
    for (const i of prefetchOrder(index, series.steps.length, direction)) {
      for (const item of series.steps[i].items) {
        if (item.file) {
          urls.push(urlOf(item.file));
        }
        for (const [name, mask] of Object.entries(item.meta.masks ?? {})) {
          if (!hidden.has(`mask:${name}`)) {
            masks.push(urlOf(mask.path));
          }
        }
      }
    }
    imageCache.prefetch(urls);
    masks.forEach(url => void prepareMask(url));
  }, [index, direction, series.steps, hidden]);

  const toggle = (id: string) => {
    const next = new Set(hidden);
    if (next.has(id)) {
      next.delete(id);
    } else {
      next.add(id);
    }
    setHidden(next);
  };
  const gallery = current.items.length > 1;
  return (
    <div className="jp-nbrun-media-images">
      {steps.length > 1 && (
        <StepSlider
          steps={steps}
          index={index}
          onChange={setIndex}
          label={`Step of ${series.key}`}
        />
      )}
      {overlays.length > 0 && (
        <OverlaySwitches
          overlays={overlays}
          hidden={hidden}
          onToggle={toggle}
          metas={current.items.map(i => i.meta)}
        />
      )}
      <div
        className={gallery ? 'jp-nbrun-gallery' : 'jp-nbrun-media-single'}
        data-count={current.items.length}
      >
        {current.items.map(item => (
          <ImageFrame
            key={item.item}
            entry={item}
            urlOf={urlOf}
            hidden={hidden}
            maxWidth={gallery ? 160 : undefined}
          />
        ))}
      </div>
    </div>
  );
}

/** A switch per mask and box group, and the colours of the classes shown. */
function OverlaySwitches(props: {
  overlays: IOverlay[];
  hidden: ReadonlySet<string>;
  onToggle: (id: string) => void;
  metas: IMediaMeta[];
}): JSX.Element {
  const classes = new Map<number, string>();
  for (const meta of props.metas) {
    const groups = [
      ...Object.entries(meta.masks ?? {}).map(([n, m]) => [`mask:${n}`, m]),
      ...Object.entries(meta.boxes ?? {}).map(([n, b]) => [`boxes:${n}`, b])
    ] as [string, { class_labels?: Record<string, string> }][];
    for (const [id, group] of groups) {
      if (props.hidden.has(id)) {
        continue;
      }
      for (const key of Object.keys(group.class_labels ?? {})) {
        const n = Number(key);
        if (n !== 0 || id.startsWith('boxes:')) {
          classes.set(n, className(n, group.class_labels));
        }
      }
    }
  }
  return (
    <div className="jp-nbrun-overlays">
      {props.overlays.map(o => (
        <label
          key={o.id}
          className="jp-nbrun-overlay-switch"
          data-overlay={o.id}
        >
          <input
            type="checkbox"
            checked={!props.hidden.has(o.id)}
            onChange={() => props.onToggle(o.id)}
          />
          {o.kind === 'mask' ? 'mask' : 'boxes'} {o.name}
        </label>
      ))}
      {Array.from(classes)
        .sort((a, b) => a[0] - b[0])
        .map(([id, name]) => (
          <span key={id} className="jp-nbrun-class" data-class={id}>
            <span
              className="jp-nbrun-swatch"
              style={{ background: cssColour(id) }}
            />
            {name}
          </span>
        ))}
    </div>
  );
}
