/**
 * Masks as colour layers, made once per mask file and kept: a canvas the size
 * of the mask, each class in its colour (see `colourMask`). The step slider
 * prepares the layers of the steps ahead, so a step shows its mask in the
 * same frame as its image.
 */
import { imageCache } from './imagecache';
import { LruCache } from '../lru';
import { colourMask } from './overlays';

/** The masks' opacity, 0..255. */
const MASK_ALPHA = 115;

const layers = new LruCache<string, HTMLCanvasElement>(96);
const pending = new Map<string, Promise<HTMLCanvasElement | null>>();

/** The colour layer of the mask at `url`, when it is made already. */
export function readyMask(url: string): HTMLCanvasElement | undefined {
  return layers.get(url);
}

/** The colour layer of the mask at `url` (null: the mask cannot be read). */
export function prepareMask(url: string): Promise<HTMLCanvasElement | null> {
  const held = layers.get(url);
  if (held) {
    return Promise.resolve(held);
  }
  let made = pending.get(url);
  if (!made) {
    made = imageCache
      .load(url)
      .then(image => {
        const layer = colourLayer(image);
        if (layer) {
          layers.set(url, layer);
        }
        return layer;
      })
      .catch(() => null)
      .finally(() => pending.delete(url));
    pending.set(url, made);
  }
  return made;
}

function colourLayer(image: HTMLImageElement): HTMLCanvasElement | null {
  const layer = document.createElement('canvas');
  layer.width = image.naturalWidth;
  layer.height = image.naturalHeight;
  const context = layer.getContext('2d', { willReadFrequently: true });
  if (!context || !layer.width || !layer.height) {
    return null;
  }
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, layer.width, layer.height);
  const { layer: coloured } = colourMask(pixels.data, MASK_ALPHA);
  context.putImageData(
    new ImageData(coloured, layer.width, layer.height),
    0,
    0
  );
  return layer;
}
