/**
 * One poll shared by several views of a model (the runs sidebar, the Running
 * panel): it runs while at least one of them is visible, so hidden views cost
 * the server nothing, and it refreshes at once when one of them appears.
 */
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';

import { viewPoll } from './polled';

/** The views that show the runs table's model. */
export type RunsView = 'sidebar' | 'running';

export class ViewPoll implements IDisposable {
  constructor(options: ViewPoll.IOptions) {
    this.poll = viewPoll(options.name, options.factory, options.interval);
  }

  /** The poll, started and stopped by {@link setVisible}. */
  readonly poll: Poll;

  get isDisposed(): boolean {
    return this.poll.isDisposed;
  }

  /** Whether any view is visible. */
  get anyVisible(): boolean {
    return this._visible.size > 0;
  }

  /** Whether a view is visible. */
  isVisible(view: RunsView): boolean {
    return this._visible.has(view);
  }

  /** A view was shown or hidden: start, refresh or stop the poll. */
  setVisible(view: RunsView, visible: boolean): void {
    const before = this.anyVisible;
    if (visible) {
      this._visible.add(view);
    } else {
      this._visible.delete(view);
    }
    if (this.anyVisible) {
      void (before ? this.poll.refresh() : this.poll.start());
    } else if (before) {
      void this.poll.stop();
    }
  }

  dispose(): void {
    this.poll.dispose();
  }

  private _visible = new Set<RunsView>();
}

export namespace ViewPoll {
  export interface IOptions {
    /** The poll's name. */
    name: string;
    /** What each tick fetches. */
    factory: () => Promise<void>;
    /** Milliseconds between refreshes. */
    interval: number;
  }
}
