/**
 * A small least-recently-used map: what the media views keep of what they
 * fetched (decoded images, coloured masks, table pages) without growing
 * without bound.
 */
export class LruCache<K, V> {
  constructor(readonly capacity: number) {}

  get size(): number {
    return this._map.size;
  }

  has(key: K): boolean {
    return this._map.has(key);
  }

  /** The value, now the most recently used; undefined when not held. */
  get(key: K): V | undefined {
    const value = this._map.get(key);
    if (value !== undefined) {
      this._map.delete(key);
      this._map.set(key, value);
    }
    return value;
  }

  /** Hold a value, dropping the least recently used beyond the capacity. */
  set(key: K, value: V): void {
    this._map.delete(key);
    this._map.set(key, value);
    while (this._map.size > this.capacity) {
      const oldest = this._map.keys().next().value as K;
      this._map.delete(oldest);
    }
  }

  delete(key: K): void {
    this._map.delete(key);
  }

  clear(): void {
    this._map.clear();
  }

  private _map = new Map<K, V>();
}
