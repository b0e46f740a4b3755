/**
 * Which history keys the runs list is using (the metric sorted on, those the
 * filter names, the value columns shown), and the compare view's keys in
 * that order: what the user was looking at is charted first.
 */

/** The comparisons a filter expression makes: `key <op> value`. */
const COMPARED = /([^\s<>=!"']+)\s*(?:<=|>=|==|!=|=|<|>)/g;

/** A listing column or filter name as a history key (null: a config key). */
function historyKey(name: string): string | null {
  if (name.startsWith('config.')) {
    return null;
  }
  return name.startsWith('summary.') ? name.slice('summary.'.length) : name;
}

/**
 * The keys in use, in order of weight: the sort's metric, then the keys the
 * filter compares, then the value columns; each once.
 */
export function usedKeys(
  sort: string,
  where: string,
  columns: string[] = []
): string[] {
  const used: string[] = [];
  const add = (name: string) => {
    const key = historyKey(name);
    if (key && !used.includes(key)) {
      used.push(key);
    }
  };
  const sorted = sort.replace(/^[-+]/, '');
  if (sorted.startsWith('summary.')) {
    add(sorted);
  }
  for (const match of where.matchAll(COMPARED)) {
    add(match[1]);
  }
  columns.filter(c => c.startsWith('summary.')).forEach(add);
  return used;
}

/** `keys` with those in use first (in the order of use), then the rest as they were. */
export function orderByUse(keys: string[], used: string[]): string[] {
  const first = used.filter(k => keys.includes(k));
  return [...first, ...keys.filter(k => !first.includes(k))];
}
