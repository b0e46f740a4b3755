/**
 * What the runs table offers to choose from, read from the server now and
 * then rather than on every poll: the stores under the server's root folder,
 * and the config and summary keys of the runs shown (for the column picker,
 * the order and grouping menus).
 */
import { ISignal, Signal } from '@lumino/signaling';

import { IRunKeys, IRunSummary, IStoreInfo, NbrunAPI } from '../../api/api';

/** How often the stores and keys are read again while the table shows. */
const EVERY_MS = 30 * 1000;

export class RunCatalog {
  constructor(readonly api: NbrunAPI) {}

  /** Emitted when the stores or keys change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The stores the server reads. */
  get stores(): IStoreInfo[] {
    return this._stores;
  }

  /** Whether the stores were read once (none then means no store at all). */
  get storesLoaded(): boolean {
    return this._storesLoaded;
  }

  /**
   * The config and summary keys of the runs listed (summary keys seen in the
   * rows are added, should the server's list lag behind).
   */
  get keys(): IRunKeys {
    const summary = new Set([...this._keys.summary, ...this._seenSummary]);
    return { ...this._keys, summary: Array.from(summary).sort() };
  }

  /** Read the keys of other runs at the next refresh (store or project changed). */
  keysChanged(): void {
    this._keysAt = 0;
    // Keys seen in another project's rows are not this one's to pick.
    this._seenSummary.clear();
    this._changed.emit();
  }

  /** Read the stores again at the next refresh. */
  storesChanged(): void {
    this._storesAt = 0;
  }

  /** Stores deleted while shown: out of the menu at once. */
  dropStores(paths: string[]): void {
    this._stores = this._stores.filter(s => !paths.includes(s.path));
    this._storesAt = 0;
  }

  /** Note the summary keys of listed runs. */
  see(runs: IRunSummary[]): void {
    for (const run of runs) {
      for (const key of Object.keys(run.summary ?? {})) {
        if (!key.startsWith('_')) {
          this._seenSummary.add(key);
        }
      }
    }
  }

  /** Read what is due: the stores every 30 s (each time while there is none), the keys too. */
  async refresh(query: { store: string; project: string }): Promise<void> {
    const now = Date.now();
    const tasks: Promise<void>[] = [];
    if (now - this._storesAt > EVERY_MS || !this._stores.length) {
      tasks.push(this._readStores());
    }
    if (now - this._keysAt > EVERY_MS) {
      tasks.push(this._readKeys(query));
    }
    await Promise.all(tasks);
  }

  private async _readStores(): Promise<void> {
    this._storesAt = Date.now();
    const stores = await this.api.stores();
    const loaded = this._storesLoaded;
    this._storesLoaded = true;
    if (!loaded || JSON.stringify(stores) !== JSON.stringify(this._stores)) {
      this._stores = stores;
      this._changed.emit();
    }
  }

  private async _readKeys(query: {
    store: string;
    project: string;
  }): Promise<void> {
    this._keysAt = Date.now();
    let keys: IRunKeys;
    try {
      keys = await this.api.keys(query);
    } catch {
      return; // the summary keys seen in the rows still serve
    }
    if (JSON.stringify(keys) !== JSON.stringify(this._keys)) {
      this._keys = keys;
      this._changed.emit();
    }
  }

  private _stores: IStoreInfo[] = [];
  private _storesAt = 0;
  private _storesLoaded = false;
  private _keys: IRunKeys = { config: [], summary: [] };
  private _keysAt = 0;
  private _seenSummary = new Set<string>();
  private _changed = new Signal<this, void>(this);
}
