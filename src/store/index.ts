import type { Redis } from "ioredis";
import type { Settings } from "../config/settings.ts";
import type { Logger } from "../logger.ts";
import { MemoryAnswerCache, RedisAnswerCache, type AnswerCache } from "./answer-cache.ts";
import { FileStore } from "./file.ts";
import { PostgresStore } from "./postgres.ts";
import { connectRedis } from "./redis.ts";
import type { Store } from "./types.ts";

export type SharedComponent = "question_log" | "answer_cache" | "rate_limit";

export interface SharedState {
  /** Question log + feedback: PostgreSQL with DATABASE_URL, else JSONL files in DATA_DIR. */
  store: Store;
  /** Deterministic answers: Redis with REDIS_URL, else an in-process LRU of ANSWER_CACHE_SIZE entries. */
  answerCache: AnswerCache;
  redis: Redis | undefined;
  close(): Promise<void>;
}

/**
 * Opens the state replicas share, from DATABASE_URL and REDIS_URL; without them everything
 * stays on this host (files in DATA_DIR, memory). Nothing here waits for an engine: both
 * clients connect lazily and recover on their own after an outage.
 */
export function openSharedState(
  settings: Pick<Settings, "DATA_DIR" | "DATABASE_URL" | "REDIS_URL" | "ANSWER_CACHE_SIZE" | "ANSWER_CACHE_TTL_SECONDS">,
  options: { logger?: Logger; redis?: Redis; onFallback?: (component: SharedComponent, error: unknown) => void } = {},
): SharedState {
  const store: Store = settings.DATABASE_URL ? new PostgresStore(settings.DATABASE_URL, options.logger) : new FileStore(settings.DATA_DIR);
  const ownsRedis = !options.redis && Boolean(settings.REDIS_URL);
  const redis = options.redis ?? (settings.REDIS_URL ? connectRedis(settings.REDIS_URL, options.logger) : undefined);
  const answerCache =
    redis && settings.ANSWER_CACHE_SIZE > 0
      ? new RedisAnswerCache(redis, settings.ANSWER_CACHE_TTL_SECONDS, (error) => options.onFallback?.("answer_cache", error))
      : new MemoryAnswerCache(settings.ANSWER_CACHE_SIZE);
  return {
    store,
    answerCache,
    redis,
    async close() {
      await store.close();
      if (ownsRedis) redis?.disconnect();
    },
  };
}
