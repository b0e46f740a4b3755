/**
 * Chart keys grouped by their prefix (`train/loss` and `train/acc` under
 * `train`), the groups in the order their first key comes (keys without a
 * prefix last), and a search.
 */

export interface IKeyGroup {
  /** The prefix (`train`), or '' for keys without one. */
  prefix: string;
  keys: string[];
}

/** The prefix of a key: what comes before its first `/` ('' if none). */
export function keyPrefix(key: string): string {
  const cut = key.indexOf('/');
  return cut > 0 ? key.slice(0, cut) : '';
}

/**
 * `keys` grouped by prefix: a group takes the place of its first key, and
 * the keys without a prefix come last.
 */
export function groupByPrefix(keys: string[]): IKeyGroup[] {
  const groups = new Map<string, string[]>();
  for (const key of keys) {
    const prefix = keyPrefix(key);
    const group = groups.get(prefix);
    if (group) {
      group.push(key);
    } else {
      groups.set(prefix, [key]);
    }
  }
  const all = Array.from(groups, ([prefix, keys]) => ({ prefix, keys }));
  return [...all.filter(g => g.prefix), ...all.filter(g => !g.prefix)];
}

/** The keys whose name holds every word of `search` (any case). */
export function searchKeys(keys: string[], search: string): string[] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  return keys.filter(key => {
    const name = key.toLowerCase();
    return words.every(w => name.includes(w));
  });
}
