/**
 * A model refreshed by a poll, and the React widget that shows it. The rule
 * "poll only while visible" is written here once: hidden tabs and collapsed
 * panels cost the server nothing.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import { IDisposable } from '@lumino/disposable';
import { Message } from '@lumino/messaging';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

/**
 * A poll for a view: it starts only when the view is shown (`auto: false`),
 * idles while the page is hidden, and backs off up to 30 s while the server
 * fails.
 */
export function viewPoll(
  name: string,
  factory: () => Promise<void>,
  interval: number
): Poll {
  return new Poll({
    name,
    auto: false,
    factory,
    frequency: { interval, backoff: true, max: 30 * 1000 },
    standby: 'when-hidden'
  });
}

/** A model whose poll calls `load`; `changed` is emitted after each change. */
export abstract class PolledModel implements IDisposable {
  constructor(options: PolledModel.IOptions) {
    this._intervals = options;
    this.poll = viewPoll(options.name, () => this.load(), options.live);
  }

  readonly poll: Poll;

  /** Emitted whenever what the model holds changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.poll.dispose();
    Signal.clearData(this);
  }

  /** Fetch what the model holds; called by the poll. */
  protected abstract load(): Promise<void>;

  protected emitChanged(): void {
    this._changed.emit();
  }

  /** Poll fast while something runs, slowly otherwise. */
  protected setLive(live: boolean): void {
    const interval = live ? this._intervals.live : this._intervals.idle;
    if (this.poll.frequency.interval !== interval) {
      this.poll.frequency = { ...this.poll.frequency, interval };
    }
  }

  private _intervals: PolledModel.IOptions;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

export namespace PolledModel {
  export interface IOptions {
    /** The poll's name. */
    name: string;
    /** Milliseconds between refreshes while a run is running, and otherwise. */
    live: number;
    idle: number;
  }
}

/**
 * A React widget over a polled model: it renders on every `changed`, and its
 * model polls only while the widget is visible.
 */
export abstract class PolledModelView<
  M extends PolledModel
> extends ReactWidget {
  constructor(model: M) {
    super();
    this.model = model;
    model.changed.connect(() => this.update(), this);
  }

  readonly model: M;

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
    Signal.clearData(this);
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      void this.model.poll.start();
    }
  }

  protected onBeforeDetach(msg: Message): void {
    void this.model.poll.stop();
    super.onBeforeDetach(msg);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.model.poll.start();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    void this.model.poll.stop();
  }
}
