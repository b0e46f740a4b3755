/**
 * The media a run logged, as the views hold it: fetched once, then only the
 * steps logged since (the last step held again, in case it was fetched half
 * stored) while the run moves on; fetched whole again after a rewind or a
 * resume. Moving a step slider fetches nothing from here.
 */
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

import {
  IMediaEntry,
  IRunDetail,
  IRunRef,
  MediaKind,
  NbrunAPI
} from '../api/api';
import {
  groupMedia,
  IMediaSeries,
  lastMediaStep,
  mergeMedia
} from './mediagroups';

export class MediaIndex {
  /** The media of `ref` (of one key when `key` is given). */
  constructor(
    readonly api: NbrunAPI,
    readonly ref: IRunRef,
    readonly key?: string
  ) {}

  /** Each key's series. */
  get series(): Map<string, IMediaSeries> {
    return this._series;
  }

  /** Each media key of the run with its latest kind. */
  get kinds(): Record<string, MediaKind> {
    return this._kinds;
  }

  /** Whether the server listed only the first of the run's media values. */
  get truncated(): boolean {
    return this._truncated;
  }

  /** True once a first fetch answered. */
  get loaded(): boolean {
    return this._loaded;
  }

  get error(): string | null {
    return this._error;
  }

  /** Emitted after each fetch that changed what is held. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * Fetch what `run` (as the detail view last fetched it) may have added.
   * Calls made while a fetch runs are folded into one more fetch after it.
   */
  async refresh(run: IRunDetail): Promise<void> {
    if (this._busy) {
      this._pending = run;
      return;
    }
    this._busy = true;
    try {
      let next: IRunDetail | null = run;
      while (next) {
        this._pending = null;
        await this._fetch(next);
        next = this._pending;
      }
    } finally {
      this._busy = false;
    }
  }

  private async _fetch(run: IRunDetail): Promise<void> {
    const base = `${run.lineage?.rewinds?.length ?? 0}:${run.resumed_count}`;
    const signature = [
      run.last_step,
      run.updated_at,
      Object.keys(run.media ?? {}).join('\0')
    ].join(':');
    const whole = base !== this._base || !this._loaded;
    // A running run's encoder may store a step's media after its row: look
    // again on every poll while it runs, cheaply (only the newest steps).
    if (!whole && signature === this._signature && run.state !== 'running') {
      return;
    }
    const since = whole ? -1 : lastMediaStep(this._entries) - 1;
    try {
      const list = await this.api.media(this.ref, {
        key: this.key,
        sinceStep: since >= 0 ? since : undefined
      });
      const entries = whole
        ? list.media
        : mergeMedia(this._entries, list.media, since);
      const same =
        !whole &&
        entries.length === this._entries.length &&
        list.media.every(e => this._known.has(entryId(e)));
      this._base = base;
      this._signature = signature;
      this._kinds = list.keys;
      this._truncated = whole ? list.truncated : this._truncated;
      this._error = null;
      this._loaded = true;
      if (!same) {
        this._entries = entries;
        this._known = new Set(entries.map(entryId));
        this._series = groupMedia(entries, this.key ? {} : list.keys);
        this._changed.emit();
      }
    } catch (error) {
      this._error = (error as Error).message;
      this._changed.emit();
    }
  }

  private _entries: IMediaEntry[] = [];
  private _known = new Set<string>();
  private _series = new Map<string, IMediaSeries>();
  private _kinds: Record<string, MediaKind> = {};
  private _truncated = false;
  private _loaded = false;
  private _error: string | null = null;
  private _base = '';
  private _signature = '';
  private _busy = false;
  private _pending: IRunDetail | null = null;
  private _changed = new Signal<this, void>(this);
}

/** What makes an entry itself: where it is and what it holds. */
function entryId(e: IMediaEntry): string {
  return `${e.key}\0${e.step}\0${e.item}\0${e.file}\0${e.meta.sha256 ?? ''}`;
}

/**
 * The media index of a run (of one key), refreshed whenever the run as
 * fetched changes; the component re-renders when the index does.
 */
export function useMediaIndex(
  api: NbrunAPI,
  run: IRunDetail,
  key?: string
): MediaIndex {
  const index = React.useMemo(
    () => new MediaIndex(api, { store: run.store, id: run.id }, key),
    [api, run.store, run.id, key]
  );
  const [, setVersion] = React.useState(0);
  React.useEffect(() => {
    const bump = () => setVersion(v => v + 1);
    index.changed.connect(bump);
    return () => {
      index.changed.disconnect(bump);
    };
  }, [index]);
  React.useEffect(() => {
    void index.refresh(run);
  }, [index, run]);
  return index;
}
