/**
 * The runs chosen in the runs table (to compare them), kept across pages,
 * filters and refreshes, each with its latest listed state.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { IRunRef, IRunSummary, runKey } from '../../api/api';

export class RunSelection {
  /** Emitted when runs are chosen or let go. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get runs(): IRunSummary[] {
    return Array.from(this._runs.values());
  }

  has(ref: IRunRef): boolean {
    return this._runs.has(runKey(ref));
  }

  toggle(run: IRunSummary): void {
    const key = runKey(run);
    if (this._runs.has(key)) {
      this._runs.delete(key);
    } else {
      this._runs.set(key, run);
    }
    this._changed.emit();
  }

  /** Choose every run of `runs` (`on`) or let them all go, with one change. */
  setMany(runs: IRunSummary[], on: boolean): void {
    let changed = false;
    for (const run of runs) {
      const key = runKey(run);
      if (on && !this._runs.has(key)) {
        this._runs.set(key, run);
        changed = true;
      } else if (!on && this._runs.delete(key)) {
        changed = true;
      }
    }
    if (changed) {
      this._changed.emit();
    }
  }

  /**
   * The listing index of the row last toggled by a click: a shift-click
   * extends from it (null: none yet, or the listing changed).
   */
  anchor: number | null = null;

  clear(): void {
    this.anchor = null;
    if (this._runs.size) {
      this._runs.clear();
      this._changed.emit();
    }
  }

  /** Keep the chosen runs' latest listing (quietly: the rows changed anyway). */
  update(runs: IRunSummary[]): void {
    for (const run of runs) {
      const key = runKey(run);
      if (this._runs.has(key)) {
        this._runs.set(key, run);
      }
    }
  }

  private _runs = new Map<string, IRunSummary>();
  private _changed = new Signal<this, void>(this);
}
