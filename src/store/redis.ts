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
