/**
 * Images fetched and decoded ahead of the step slider: the images of the next
 * steps (in the direction the slider moves) and a few behind are loaded while
 * the current one is shown, so moving to them shows an image already decoded.
 * The elements are held (least recently used dropped first), which keeps them
 * in the page's list of available images: an `<img>` given the same URL shows
 * it without a request.
 */
import { LruCache } from '../lru';

/** Steps loaded ahead in the direction of travel, and behind. */
export const AHEAD = 12;
export const BEHIND = 4;

/**
 * The indices to load around `index` of `count` (nearest first): `ahead` in
 * the direction the slider last moved (`direction` >= 0: up), `behind` the
 * other way.
 */
export function prefetchOrder(
  index: number,
  count: number,
  direction: number,
  ahead = AHEAD,
  behind = BEHIND
): number[] {
  const sign = direction >= 0 ? 1 : -1;
  const out: number[] = [];
  const add = (i: number) => {
    if (i >= 0 && i < count && i !== index) {
      out.push(i);
    }
  };
  for (let d = 1; d <= Math.max(ahead, behind); d++) {
    if (d <= ahead) {
      add(index + sign * d);
    }
    if (d <= behind) {
      add(index - sign * d);
    }
  }
  return out;
}

export class ImageCache {
  constructor(capacity = 160) {
    this._images = new LruCache(capacity);
  }

  /** The image at `url`, decoded (rejects when it cannot be loaded). */
  load(url: string): Promise<HTMLImageElement> {
    const held = this._images.get(url);
    if (held) {
      return held.ready;
    }
    const image = new Image();
    image.decoding = 'async';
    const ready = new Promise<HTMLImageElement>((resolve, reject) => {
      image.onload = () => resolve(image);
      image.onerror = () => {
        this._images.delete(url); // a later look may find it stored
        reject(new Error(`could not load ${url}`));
      };
    });
    image.src = url;
    this._images.set(url, { image, ready });
    ready.catch(() => undefined);
    return ready;
  }

  /** Whether the image at `url` is loaded and decoded. */
  ready(url: string): boolean {
    const held = this._images.get(url);
    return !!held && held.image.complete && held.image.naturalWidth > 0;
  }

  /** Start loading these images (nearest first), without waiting. */
  prefetch(urls: string[]): void {
    for (const url of urls) {
      void this.load(url).catch(() => undefined);
    }
  }

  private _images: LruCache<
    string,
    { image: HTMLImageElement; ready: Promise<HTMLImageElement> }
  >;
}

/** The page's image cache, shared by every panel. */
export const imageCache = new ImageCache();
