import { Redis } from "ioredis";
import type { Logger } from "../logger.ts";

/**
 * A Redis client (REDIS_URL) that never makes a caller wait for an outage: commands fail at
 * once while it is disconnected (no offline queue) and after 500 ms otherwise, and it keeps
 * reconnecting in the background. Callers treat a failure as "fall back" (a cache miss, a
 * per-process rate limit). Connection errors are logged once per outage, not per retry.
 */
export function connectRedis(url: string, logger?: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
    connectTimeout: 1_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  let down = false;
  redis.on("error", (error) => {
    if (down) return;
    down = true;
    logger?.warn({ err: error }, "redis unreachable; answer cache and rate limits fall back to this process until it returns");
  });
  redis.on("ready", () => {
    if (down) logger?.info("redis reachable again");
    down = false;
  });
  return redis;
}

/**
 * Resolves true once the client is connected and ready for commands (at once if it is), false
 * if it is not within `timeoutMs`. With no offline queue a command sent before that fails, so a
 * caller that must not fall back spuriously at start-up (the rate limiter) waits here first.
 */
export function whenReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === "ready") return Promise.resolve(true);
  if (redis.status === "end") return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      redis.off("ready", onReady);
      redis.off("end", onEnd);
      resolve(ready);
    };
    const onReady = () => done(true);
    const onEnd = () => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    timer.unref();
    redis.once("ready", onReady);
    redis.once("end", onEnd);
  });
}
