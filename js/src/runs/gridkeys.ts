/**
 * Keyboard moves in a list of rows with one Tab stop (a roving tabindex):
 * which slot a key leads to. The header row is slot -1, above the first.
 */

/** The keys that move between rows. */
const MOVES = new Set([
  'ArrowDown',
  'ArrowUp',
  'Home',
  'End',
  'PageDown',
  'PageUp'
]);

/**
 * The slot `key` moves to from `current` among `count` rows, `page` rows
 * being in view; null when the key is not a move (Enter, Space and letters
 * belong to the row).
 */
export function nextSlot(
  key: string,
  current: number,
  count: number,
  page: number
): number | null {
  if (!MOVES.has(key) || count === 0) {
    return null;
  }
  const last = count - 1;
  const step = Math.max(1, page - 1);
  switch (key) {
    case 'ArrowDown':
      return Math.min(last, current + 1);
    case 'ArrowUp':
      return Math.max(-1, current - 1);
    case 'Home':
      return 0;
    case 'End':
      return last;
    case 'PageDown':
      return Math.min(last, Math.max(0, current) + step);
    default:
      return Math.max(0, current - step);
  }
}

/**
 * The index among `count` header cells that Left, Right, Home or End moves
 * to from `current`; null for any other key.
 */
export function nextColumn(
  key: string,
  current: number,
  count: number
): number | null {
  switch (key) {
    case 'ArrowRight':
      return Math.min(count - 1, current + 1);
    case 'ArrowLeft':
      return Math.max(0, current - 1);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/** The scroll offset that shows a row of `height` at `top` under a header. */
export function scrollToShow(
  top: number,
  height: number,
  scrollTop: number,
  viewport: number,
  header: number
): number {
  if (top < scrollTop) {
    return top;
  }
  if (top + height > scrollTop + viewport - header) {
    return top + height - viewport + header;
  }
  return scrollTop;
}
