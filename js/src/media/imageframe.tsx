/**
 * One logged image drawn with its overlays: the image, each mask shown as a
 * semi-transparent colour layer (a canvas the size of the mask, stretched
 * over the image), each group of boxes as outlined rectangles with their
 * labels, and the caption under it.
 */
import * as React from 'react';

import { IBoxGroup, IMediaEntry } from '../api';
import { imageCache } from './imagecache';
import { LruCache } from './lru';
import {
  boxLabel,
  boxRect,
  colourMask,
  cssColour,
  scoreText
} from './overlays';

/** Images narrower than this are drawn larger (pixels kept sharp). */
const MIN_WIDTH = 240;
/** The masks' opacity, 0..255. */
const MASK_ALPHA = 115;

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

/** Coloured layers of the masks drawn lately, by URL. */
const layers = new LruCache<string, ImageData>(64);

function MaskLayer(props: { name: string; url: string }): JSX.Element {
  const { url } = props;
  const canvas = React.useRef<HTMLCanvasElement>(null);
  React.useEffect(() => {
    let live = true;
    const draw = (data: ImageData) => {
      const node = canvas.current;
      if (!live || !node) {
        return;
      }
      node.width = data.width;
      node.height = data.height;
      node.getContext('2d')?.putImageData(data, 0, 0);
      node.dataset.drawn = url;
    };
    const held = layers.get(url);
    if (held) {
      draw(held);
    } else {
      imageCache
        .load(url)
        .then(image => {
          const data = maskLayer(image);
          if (data) {
            layers.set(url, data);
            draw(data);
          }
        })
        .catch(() => undefined); // the image is shown without it
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
      width={1}
      height={1}
    />
  );
}

/** The colour layer of a decoded mask image. */
function maskLayer(image: HTMLImageElement): ImageData | null {
  const work = document.createElement('canvas');
  work.width = image.naturalWidth;
  work.height = image.naturalHeight;
  const context = work.getContext('2d', { willReadFrequently: true });
  if (!context || !work.width || !work.height) {
    return null;
  }
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, work.width, work.height);
  const { layer } = colourMask(pixels.data, MASK_ALPHA);
  return new ImageData(layer, work.width, work.height);
}
