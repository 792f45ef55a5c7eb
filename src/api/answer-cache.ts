/**
 * A small bounded LRU map (insertion order of a Map; a hit re-inserts). Used for deterministic
 * answers only: those depend on nothing but (question, k) and the loaded index, so a cached
 * copy is the answer the assistant would compute again.
 */
export class LruCache<V> {
  private readonly map = new Map<string, V>();
  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    if (this.maxEntries <= 0) return;
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value as string);
  }
}

/** Cache key: the exact (already trimmed) question, the mode and k. */
export function answerCacheKey(question: string, mode: string, k: number | undefined): string {
  return JSON.stringify([mode, k ?? null, question]);
}
