/**
 * One logged image drawn with its overlays: the image, each mask shown as a
 * semi-transparent colour layer (a canvas the size of the mask, stretched
 * over the image), each group of boxes as outlined rectangles with their
 * labels, and the caption under it.
 */
import * as React from 'react';

import { IBoxGroup, IMediaEntry } from '../../api/api';
import { prepareMask, readyMask } from './masklayers';
import { boxLabel, boxRect, cssColour, scoreText } from './overlays';

/** Images narrower than this are drawn larger (pixels kept sharp). */
const MIN_WIDTH = 240;

export function ImageFrame(props: {
  entry: IMediaEntry;
  urlOf: (path: string) => string;
  /** The overlays switched off (`mask:<name>`, `boxes:<name>`). */
  hidden: ReadonlySet<string>;
  /** Draw no wider than this (a thumbnail in compare). */
  maxWidth?: number;
}): JSX.Element {
  const { entry, urlOf, hidden } = props;
  const meta = entry.meta;
  const width = meta.width ?? MIN_WIDTH;
  const height = meta.height ?? MIN_WIDTH;
  const shown = Math.min(
    Math.max(width, MIN_WIDTH),
    props.maxWidth ?? Infinity
  );
  const url = entry.file ? urlOf(entry.file) : '';
  return (
    <figure
      className="jp-nbrun-media-figure"
      data-step={entry.step}
      data-item={entry.item}
    >
      <div
        className="jp-nbrun-media-frame"
        style={{ width: shown, aspectRatio: `${width} / ${height}` }}
      >
        <img
          className={
            'jp-nbrun-media-img' + (shown > width * 1.5 ? ' jp-mod-pixel' : '')
          }
          src={url}
          alt={meta.caption || entry.key}
          data-step={entry.step}
          onLoad={e => {
            const img = e.currentTarget;
            img.dataset.loaded = img.getAttribute('src') ?? '';
          }}
        />
        {Object.entries(meta.masks ?? {}).map(([name, mask]) =>
          hidden.has(`mask:${name}`) ? null : (
            <MaskLayer key={name} name={name} url={urlOf(mask.path)} />
          )
        )}
        {Object.entries(meta.boxes ?? {}).map(([name, group]) =>
          hidden.has(`boxes:${name}`) ? null : (
            <BoxLayer
              key={name}
              name={name}
              group={group}
              width={width}
              height={height}
            />
          )
        )}
      </div>
      {meta.caption && (
        <figcaption className="jp-nbrun-media-caption">
          {meta.caption}
        </figcaption>
      )}
    </figure>
  );
}

function BoxLayer(props: {
  name: string;
  group: IBoxGroup;
  width: number;
  height: number;
}): JSX.Element {
  const { group, width, height } = props;
  return (
    <div className="jp-nbrun-boxes" data-group={props.name}>
      {(group.box_data ?? []).map((box, i) => {
        const rect = boxRect(box, width, height);
        if (!rect) {
          return null;
        }
        const label = boxLabel(box, group);
        const scores = scoreText(box);
        const colour = cssColour(box.class_id);
        return (
          <div
            key={i}
            className="jp-nbrun-box"
            data-class={box.class_id}
            title={scores ? `${label} (${scores})` : label}
            style={{
              left: `${rect.left * 100}%`,
              top: `${rect.top * 100}%`,
              width: `${rect.width * 100}%`,
              height: `${rect.height * 100}%`,
              borderColor: colour
            }}
          >
            <span className="jp-nbrun-box-label" style={{ background: colour }}>
              {label}
            </span>
          </div>
        );
      })}
    </div>
  );
}

function MaskLayer(props: { name: string; url: string }): JSX.Element {
  const { url } = props;
  const canvas = React.useRef<HTMLCanvasElement>(null);
  // Before the frame is painted when the layer is made already (the slider
  // prepares the steps ahead); once it is made otherwise.
  React.useLayoutEffect(() => {
    let live = true;
    const draw = (layer: HTMLCanvasElement | null) => {
      const node = canvas.current;
      const context = node?.getContext('2d');
      if (!live || !node || !context || !layer) {
        return;
      }
      if (node.width !== layer.width || node.height !== layer.height) {
        node.width = layer.width;
        node.height = layer.height;
      } else {
        context.clearRect(0, 0, node.width, node.height);
      }
      context.drawImage(layer, 0, 0);
      node.dataset.drawn = url;
    };
    const ready = readyMask(url);
    if (ready) {
      draw(ready);
    } else {
      void prepareMask(url).then(draw);
    }
    return () => {
      live = false;
    };
  }, [url]);
  return (
    <canvas
      ref={canvas}
      className="jp-nbrun-mask"
      data-mask={props.name}
      data-url={url}
      width={1}
      height={1}
    />
  );
}
