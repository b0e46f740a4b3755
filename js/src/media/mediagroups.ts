/**
 * The media index as the views use it: entries grouped by key, then by step
 * (a gallery is several entries at one step), and merged with the entries a
 * refresh fetched.
 */
import { IMediaEntry, MediaKind } from '../api/api';

/** The values of one key at one step (several: a gallery). */
export interface IMediaStep {
  step: number;
  items: IMediaEntry[];
}

/** One media key: its kind and its steps, in order. */
export interface IMediaSeries {
  key: string;
  kind: MediaKind;
  steps: IMediaStep[];
}

/** Entries in key, step, item order (as the server lists them). */
export function compareEntries(a: IMediaEntry, b: IMediaEntry): number {
  if (a.key !== b.key) {
    return a.key < b.key ? -1 : 1;
  }
  return a.step - b.step || a.item - b.item;
}

/**
 * The series of each key. A key whose kind changed keeps the steps of its
 * latest kind (`kinds`, from the server, else the last entry's).
 */
export function groupMedia(
  entries: IMediaEntry[],
  kinds: Record<string, MediaKind> = {}
): Map<string, IMediaSeries> {
  const byKey = new Map<string, IMediaEntry[]>();
  for (const entry of entries) {
    let held = byKey.get(entry.key);
    if (!held) {
      held = [];
      byKey.set(entry.key, held);
    }
    held.push(entry);
  }
  const out = new Map<string, IMediaSeries>();
  for (const [key, held] of byKey) {
    const kind = kinds[key] ?? held[held.length - 1].kind;
    const steps: IMediaStep[] = [];
    for (const entry of held) {
      if (entry.kind !== kind) {
        continue;
      }
      const last = steps[steps.length - 1];
      if (last && last.step === entry.step) {
        last.items.push(entry);
      } else {
        steps.push({ step: entry.step, items: [entry] });
      }
    }
    if (steps.length) {
      out.set(key, { key, kind, steps });
    }
  }
  return out;
}

/**
 * The held entries with those a refresh fetched (every entry above `since`):
 * held entries above `since` are replaced, so a step fetched while only part
 * of it was stored is complete afterwards.
 */
export function mergeMedia(
  held: IMediaEntry[],
  fetched: IMediaEntry[],
  since: number
): IMediaEntry[] {
  const kept = held.filter(e => e.step <= since);
  return kept.concat(fetched).sort(compareEntries);
}

/** The highest step held (-1 when none). */
export function lastMediaStep(entries: IMediaEntry[]): number {
  return entries.reduce((m, e) => Math.max(m, e.step), -1);
}

/**
 * The index of the last of the sorted `steps` at or before `step` (0 when
 * every step is after it; -1 for no steps).
 */
export function indexAtOrBefore(steps: number[], step: number): number {
  let lo = 0;
  let hi = steps.length - 1;
  if (hi < 0) {
    return -1;
  }
  if (step < steps[0]) {
    return 0;
  }
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (steps[mid] <= step) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

/** Kinds in the order the Media section shows them. */
export const KIND_ORDER: MediaKind[] = [
  'image',
  'video',
  'audio',
  'html',
  'plotly',
  'histogram',
  'chart',
  'table'
];

/** Keys ordered by kind (as {@link KIND_ORDER}), then by name. */
export function orderedKeys(kinds: Record<string, MediaKind>): string[] {
  const rank = (k: MediaKind) => {
    const i = KIND_ORDER.indexOf(k);
    return i < 0 ? KIND_ORDER.length : i;
  };
  return Object.keys(kinds).sort(
    (a, b) => rank(kinds[a]) - rank(kinds[b]) || (a < b ? -1 : a > b ? 1 : 0)
  );
}
