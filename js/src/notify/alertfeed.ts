/**
 * Which alerts of `GET /alerts` are new to this page, and their notification
 * text. The first answer only gives the server's time: alerts recorded before
 * the page loaded are never notified.
 */
import { IRunAlert } from '../api/apitypes';

/**
 * Each poll asks from this long before the previous answer's time, so that
 * an alert stamped by its process just before that answer, and committed just
 * after, is still seen; the ones already notified are skipped.
 */
export const OVERLAP_S = 5;

/** Identifies an alert across polls. */
export function alertId(alert: IRunAlert): string {
  return [alert.store, alert.id, alert.time, alert.level, alert.title].join(
    '\u0000'
  );
}

/** Which alerts are new, and what is known afterwards. */
export interface IAlertCursor {
  /** The server's time of the first answer (page load): nothing before it. */
  since: number;
  /** The time the next poll asks after. */
  after: number;
  /** Alerts already notified, by id, with their time (kept for OVERLAP_S). */
  seen: Map<string, number>;
}

/** The cursor after a poll answered `now` and `alerts`; and the alerts to notify. */
export function advance(
  cursor: IAlertCursor | null,
  now: number,
  alerts: IRunAlert[]
): { cursor: IAlertCursor; fresh: IRunAlert[] } {
  if (cursor === null) {
    return {
      cursor: { since: now, after: now - OVERLAP_S, seen: new Map() },
      fresh: []
    };
  }
  const seen = new Map(cursor.seen);
  const fresh = alerts.filter(
    a => a.time > cursor.since && !seen.has(alertId(a))
  );
  for (const alert of fresh) {
    seen.set(alertId(alert), alert.time);
  }
  const after = Math.max(cursor.after, now - OVERLAP_S);
  for (const [id, time] of seen) {
    if (time <= after) {
      seen.delete(id); // the next poll does not ask for it again
    }
  }
  return { cursor: { since: cursor.since, after, seen }, fresh };
}

/** A notification's text: the run, the title and the start of the text. */
export function notificationText(alert: IRunAlert, max = 140): string {
  const text = `${alert.name}: ${alert.title}${alert.text ? ` \u2014 ${alert.text}` : ''}`;
  return text.length > max ? `${text.slice(0, max - 1)}\u2026` : text;
}
