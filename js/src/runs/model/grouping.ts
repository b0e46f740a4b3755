/**
 * The rows of a grouped listing: each group's header followed by its runs,
 * unless the group is collapsed. The server lists the runs ordered by group
 * and counts each group over the whole listing, so where every header and run
 * goes is known before the pages of runs arrive.
 */
import type { IRunGroup } from '../../api/api';

/** A slot of the table: a group's header, or the run at a listing index. */
export type Slot =
  | { kind: 'group'; group: IRunGroup; index: number }
  | { kind: 'run'; index: number };

export class GroupedRows {
  /**
   * `groups` as the listing answered them; when their counts do not add up
   * to `total` (a run came or went between two pages) they are left out.
   * A collapsed group shows its header only.
   */
  constructor(
    groups: IRunGroup[],
    total: number,
    collapsed: (group: IRunGroup) => boolean = () => false
  ) {
    const sum = groups.reduce((n, g) => n + g.count, 0);
    this.groups = sum === total ? groups : [];
    let slot = 0;
    let run = 0;
    for (const group of this.groups) {
      this._starts.push(slot);
      this._firstRuns.push(run);
      slot += (collapsed(group) ? 0 : group.count) + 1;
      run += group.count;
    }
    this.length = this.groups.length ? slot : total;
  }

  /** The groups shown (none: a flat list). */
  readonly groups: IRunGroup[];

  /** Slots in all: runs and headers. */
  readonly length: number;

  /** What is at a slot. */
  at(slot: number): Slot {
    if (!this.groups.length) {
      return { kind: 'run', index: slot };
    }
    const g = this._groupOf(slot);
    const start = this._starts[g];
    if (slot === start) {
      return { kind: 'group', group: this.groups[g], index: g };
    }
    // Runs before this group (shown or not), plus the position inside it.
    return { kind: 'run', index: this._firstRuns[g] + (slot - start - 1) };
  }

  /** The listing index of the first run at or after a slot. */
  runIndex(slot: number): number {
    if (this.length === 0) {
      return 0;
    }
    const found = this.at(Math.min(Math.max(0, slot), this.length - 1));
    if (found.kind === 'run') {
      return found.index;
    }
    return this._firstRuns[found.index];
  }

  private _groupOf(slot: number): number {
    let low = 0;
    let high = this._starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this._starts[mid] <= slot) {
        low = mid;
      } else {
        high = mid - 1;
      }
    }
    return low;
  }

  /** The slot of each group's header. */
  private _starts: number[] = [];
  /** The listing index of each group's first run. */
  private _firstRuns: number[] = [];
}
