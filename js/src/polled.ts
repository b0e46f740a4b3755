/**
 * A React widget whose poll runs only while the widget is visible: hidden tabs and
 * collapsed panels cost the server nothing.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Poll } from '@lumino/polling';
import { Signal } from '@lumino/signaling';

export abstract class PolledReactWidget extends ReactWidget {
  /** The poll that refreshes this widget; created by the subclass. */
  abstract readonly poll: Poll;

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.poll.dispose();
    Signal.clearData(this);
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      void this.poll.start();
    }
  }

  protected onBeforeDetach(msg: Message): void {
    void this.poll.stop();
    super.onBeforeDetach(msg);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.poll.start();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    void this.poll.stop();
  }
}
