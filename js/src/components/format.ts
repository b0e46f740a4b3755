/**
 * Formatting of times, durations and values for display (always as text).
 */
import type { IRunSummary } from '../api/api';

/** `2024-05-01 13:04:05` in local time, from unix seconds. */
export function formatTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return '';
  }
  const d = new Date(seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/**
 * A short time for a list: `13:04:05` today, `May 1 13:04` this year,
 * `2023-05-01` before.
 */
export function formatShortTime(
  seconds: number | null | undefined,
  now = new Date()
): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return '';
  }
  const d = new Date(seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (d.toDateString() === now.toDateString()) {
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  if (d.getFullYear() === now.getFullYear()) {
    const month = d.toLocaleString('en', { month: 'short' });
    return `${month} ${d.getDate()} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }
  return formatTime(seconds).slice(0, 10);
}

/** `3s`, `4m 05s`, `2h 03m`, `3d 4h`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return '';
  }
  let s = Math.max(0, Math.round(seconds));
  if (s < 60) {
    return `${s}s`;
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) {
    return `${d}d ${h}h`;
  }
  if (h > 0) {
    return `${h}h ${pad(m)}m`;
  }
  return `${m}m ${pad(s)}s`;
}

/** The duration of a run: until it finished, or until its last sign of life. */
export function runDuration(run: IRunSummary, now = Date.now() / 1000): number {
  if (run.finished_at) {
    return run.finished_at - run.created_at;
  }
  if (run.state === 'running') {
    return now - run.created_at;
  }
  const last = Math.max(run.updated_at || 0, run.heartbeat_at || 0);
  return (last || now) - run.created_at;
}

/** A compact, exact-enough text for a number. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) {
    return String(value);
  }
  if (!isFinite(value)) {
    return String(value);
  }
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) {
    return value.toExponential(3);
  }
  return String(Number(value.toPrecision(5)));
}

/** Any JSON value as text; long values are cut when `max` is given. */
export function formatValue(value: unknown, max?: number): string {
  let text: string;
  if (value === null || value === undefined) {
    text = value === null ? 'null' : '';
  } else if (typeof value === 'number') {
    text = formatNumber(value);
  } else if (typeof value === 'string') {
    text = value;
  } else if (typeof value === 'boolean') {
    text = String(value);
  } else {
    try {
      text = JSON.stringify(value);
    } catch {
      text = String(value);
    }
  }
  if (max !== undefined && text.length > max) {
    text = text.slice(0, max - 1) + '\u2026';
  }
  return text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

/**
 * Nested mappings as dotted keys: `{optim: {lr: 1}}` -> `{"optim.lr": 1}`.
 * A mapping that is a typed value (`_type`) stays whole.
 */
export function flatten(
  value: Record<string, unknown>,
  prefix = '',
  out: Record<string, unknown> = {}
): Record<string, unknown> {
  for (const [key, item] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (
      isPlainObject(item) &&
      Object.keys(item).length > 0 &&
      !('_type' in item)
    ) {
      flatten(item, path, out);
    } else {
      out[path] = item;
    }
  }
  return out;
}

/** Whether two JSON values are equal (structurally). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (typeof a === 'number' && typeof b === 'number') {
    return Number.isNaN(a) && Number.isNaN(b);
  }
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

/** Human size of a file. */
export function formatBytes(size: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
