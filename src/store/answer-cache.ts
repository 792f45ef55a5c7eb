import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { answerSchema, type Answer } from "../schema/answer.ts";

/**
 * Cache of deterministic answers: those depend on nothing but (standalone question, k, the
 * answers a continuation avoids) and the loaded index, so a cached copy is the answer the assistant would compute again. In memory by
 * default; in Redis (REDIS_URL) it is shared by every replica and the bot. A cache that fails
 * is a miss, never an error.
 */
export interface AnswerCache {
  get(key: string): Promise<Answer | undefined>;
  set(key: string, answer: Answer): Promise<void>;
}

/**
 * Cache key: the index version (answers change with the corpus), the mode, k and the exact
 * (trimmed) question, which for a follow-up is the standalone question it resolved to; and for
 * "tell me more", a digest of the earlier answers whose sentences it leaves out.
 */
export function answerCacheKey(indexVersion: string, question: string, mode: string, k: number | undefined, avoidText: readonly string[] = []): string {
  const key: unknown[] = [indexVersion, mode, k ?? null, question];
  if (avoidText.length) key.push(createHash("sha256").update(JSON.stringify(avoidText)).digest("hex"));
  return JSON.stringify(key);
}

/** A small bounded LRU map (insertion order of a Map; a hit re-inserts). */
export class LruCache<V> {
  private readonly map = new Map<string, V>();
  readonly maxEntries: number;

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
  }

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

/**
 * One process's cache. With WORKERS > 1 each worker keeps its own, on purpose: an entry is keyed
 * by the index version and the whole question, so every worker's copy is the answer any worker
 * would compute, and a worker that has not cached a question computes it (the caches are only
 * less effective, never inconsistent). Redis (REDIS_URL) shares one among workers and replicas.
 */
export class MemoryAnswerCache implements AnswerCache {
  private readonly lru: LruCache<Answer>;
  constructor(maxEntries: number) {
    this.lru = new LruCache(maxEntries);
  }
  async get(key: string): Promise<Answer | undefined> {
    return this.lru.get(key);
  }
  async set(key: string, answer: Answer): Promise<void> {
    this.lru.set(key, answer);
  }
}

/** Answers as JSON under kpo:answer:<sha256 of the key>, expiring after `ttlSeconds`. */
export class RedisAnswerCache implements AnswerCache {
  private readonly redis: Redis;
  private readonly ttlSeconds: number;
  private readonly onError: (error: unknown) => void;

  constructor(
    redis: Redis,
    ttlSeconds: number,
    onError: (error: unknown) => void,
  ) {
    this.redis = redis;
    this.ttlSeconds = ttlSeconds;
    this.onError = onError;
  }

  private redisKey(key: string): string {
    return `kpo:answer:${createHash("sha256").update(key).digest("hex")}`;
  }

  async get(key: string): Promise<Answer | undefined> {
    try {
      const text = await this.redis.get(this.redisKey(key));
      if (text === null) return undefined;
      const parsed = answerSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch (error) {
      this.onError(error);
      return undefined;
    }
  }

  async set(key: string, answer: Answer): Promise<void> {
    try {
      await this.redis.set(this.redisKey(key), JSON.stringify(answer), "EX", this.ttlSeconds);
    } catch (error) {
      this.onError(error);
    }
  }
}
