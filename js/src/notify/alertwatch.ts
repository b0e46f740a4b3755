/**
 * JupyterLab notifications for new alerts: a poll of `GET /alerts` while the
 * page is visible, whatever panel is open (see alertfeed.ts for which are new).
 */
import { Notification } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';

import { IRunAlert, NbrunAPI } from '../api/api';
import { advance, IAlertCursor, notificationText } from './alertfeed';
import { CommandIDs } from '../ids';

/** Watches for new alerts and hands each to `notify`. */
export class AlertWatch implements IDisposable {
  constructor(options: AlertWatch.IOptions) {
    this._api = options.api;
    this._notify = options.notify;
    this.poll = new Poll({
      name: 'nbrun:alerts',
      factory: () => this._tick(),
      frequency: {
        interval: options.interval ?? 3000,
        backoff: true,
        max: 60 * 1000
      },
      standby: 'when-hidden'
    });
  }

  readonly poll: Poll;

  get isDisposed(): boolean {
    return this.poll.isDisposed;
  }

  dispose(): void {
    this.poll.dispose();
  }

  private async _tick(): Promise<void> {
    const feed = await this._api.alerts(this._cursor?.after);
    const { cursor, fresh } = advance(this._cursor, feed.now, feed.alerts);
    this._cursor = cursor;
    for (const alert of fresh) {
      this._notify(alert);
    }
  }

  private _api: NbrunAPI;
  private _notify: (alert: IRunAlert) => void;
  private _cursor: IAlertCursor | null = null;
}

export namespace AlertWatch {
  export interface IOptions {
    api: NbrunAPI;
    notify: (alert: IRunAlert) => void;
    /** Milliseconds between polls. */
    interval?: number;
  }
}

const NOTIFICATION_TYPES = {
  INFO: 'info',
  WARN: 'warning',
  ERROR: 'error'
} as const;

/** One alert as a JupyterLab notification, with a button opening its run. */
export function notifyAlert(alert: IRunAlert, commands: CommandRegistry): void {
  const type =
    NOTIFICATION_TYPES[alert.level as keyof typeof NOTIFICATION_TYPES] ??
    'info';
  Notification.emit(notificationText(alert), type, {
    // An error stays until dismissed; the others go after a while (they stay
    // in the notification list).
    autoClose: alert.level === 'ERROR' ? false : 10 * 1000,
    actions: [
      {
        label: 'Open run',
        caption: `Open the run ${alert.name} in the detail view`,
        callback: () =>
          void commands.execute(CommandIDs.openRun, {
            store: alert.store,
            id: alert.id
          })
      }
    ]
  });
}
