/**
 * The geometry and colours of an image's overlays: bounding boxes placed as
 * fractions of the image (whatever size it is drawn at), segmentation masks
 * turned into semi-transparent colour layers.
 */
import { IBox, IBoxGroup, IMediaMeta } from '../../api/api';

/** A rectangle as fractions of the image's width and height. */
export interface IRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Where a box lies on an image of `width` x `height` pixels: corners or a
 * centre and a size, in pixels (`domain: "pixel"`) or fractions. Null for a
 * box whose position says neither.
 */
export function boxRect(
  box: IBox,
  width: number,
  height: number
): IRect | null {
  const p = box.position ?? {};
  const pixel = box.domain === 'pixel';
  const sx = pixel ? 1 / Math.max(width, 1) : 1;
  const sy = pixel ? 1 / Math.max(height, 1) : 1;
  let x0: number, x1: number, y0: number, y1: number;
  if (
    p.middle &&
    isNum(p.middle[0]) &&
    isNum(p.middle[1]) &&
    isNum(p.width) &&
    isNum(p.height)
  ) {
    x0 = p.middle[0] - p.width / 2;
    x1 = p.middle[0] + p.width / 2;
    y0 = p.middle[1] - p.height / 2;
    y1 = p.middle[1] + p.height / 2;
  } else if (isNum(p.minX) && isNum(p.maxX) && isNum(p.minY) && isNum(p.maxY)) {
    [x0, x1, y0, y1] = [p.minX, p.maxX, p.minY, p.maxY];
  } else {
    return null;
  }
  return {
    left: Math.min(x0, x1) * sx,
    top: Math.min(y0, y1) * sy,
    width: Math.abs(x1 - x0) * sx,
    height: Math.abs(y1 - y0) * sy
  };
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && isFinite(v);
}

/** A box's label: its caption, else its class's name, else `class <id>`. */
export function boxLabel(box: IBox, group: IBoxGroup): string {
  if (box.box_caption) {
    return box.box_caption;
  }
  return className(box.class_id, group.class_labels);
}

/** A class's name from `class_labels` (keys are the ids as text). */
export function className(
  id: number,
  labels: Record<string, string> | undefined
): string {
  return labels?.[String(id)] ?? `class ${id}`;
}

/** `confidence 0.90, iou 0.51`: a box's scores as text. */
export function scoreText(box: IBox): string {
  return Object.entries(box.scores ?? {})
    .filter(([, v]) => isNum(v))
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');
}

/**
 * A class's colour: well apart for neighbouring ids (the golden angle around
 * the hue circle), the same in every image, mask and box.
 */
export function classColour(id: number): [number, number, number] {
  const hue = (((id * 137.508) % 360) + 360) % 360;
  return hslToRgb(hue / 360, 0.75, 0.5);
}

export function cssColour(id: number): string {
  const [r, g, b] = classColour(id);
  return `rgb(${r}, ${g}, ${b})`;
}

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s;
  const p = 2 * l - q;
  const channel = (t: number) => {
    t = (t + 1) % 1;
    const v =
      t < 1 / 6
        ? p + (q - p) * 6 * t
        : t < 1 / 2
          ? q
          : t < 2 / 3
            ? p + (q - p) * (2 / 3 - t) * 6
            : p;
    return Math.round(v * 255);
  };
  return [channel(h + 1 / 3), channel(h), channel(h - 1 / 3)];
}

/**
 * A mask's colour layer: `pixels` are the decoded mask (RGBA, the class id in
 * each pixel's red channel); each class gets its colour at `alpha` (0..255),
 * except class 0 (the background, by convention) and the classes `hidden`,
 * which stay transparent. Returns the layer and the classes it holds.
 */
export function colourMask(
  pixels: Uint8ClampedArray,
  alpha: number,
  hidden: ReadonlySet<number> = new Set()
): { layer: Uint8ClampedArray<ArrayBuffer>; classes: number[] } {
  const layer = new Uint8ClampedArray(pixels.length);
  const palette = new Map<number, [number, number, number] | null>();
  for (let i = 0; i < pixels.length; i += 4) {
    const id = pixels[i];
    let colour = palette.get(id);
    if (colour === undefined) {
      colour = id === 0 || hidden.has(id) ? null : classColour(id);
      palette.set(id, colour);
    }
    if (colour) {
      layer[i] = colour[0];
      layer[i + 1] = colour[1];
      layer[i + 2] = colour[2];
      layer[i + 3] = alpha;
    }
  }
  const classes = Array.from(palette.keys()).sort((a, b) => a - b);
  return { layer, classes };
}

/** One overlay of an image, as the toggles name it. */
export interface IOverlay {
  /** `mask:<name>` or `boxes:<name>`. */
  id: string;
  kind: 'mask' | 'boxes';
  name: string;
}

/** The masks and box groups of an image (or of every image of a key). */
export function overlaysOf(metas: IMediaMeta[]): IOverlay[] {
  const seen = new Map<string, IOverlay>();
  for (const meta of metas) {
    for (const name of Object.keys(meta.masks ?? {})) {
      seen.set(`mask:${name}`, { id: `mask:${name}`, kind: 'mask', name });
    }
    for (const name of Object.keys(meta.boxes ?? {})) {
      seen.set(`boxes:${name}`, { id: `boxes:${name}`, kind: 'boxes', name });
    }
  }
  return Array.from(seen.values()).sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  );
}
