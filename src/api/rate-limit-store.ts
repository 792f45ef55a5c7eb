import { MemoryStore, type ClientRateLimitInfo, type IncrementResponse, type Options, type Store } from "express-rate-limit";
import type { Redis } from "ioredis";
import { RedisStore } from "rate-limit-redis";

/**
 * Rate-limit counters in Redis (shared by every replica), falling back to this process's
 * memory while Redis is unreachable, so requests are still limited (per process) and never
 * fail because of the limiter. `onFallback` runs on every fallback (logged and counted by
 * the caller). After a failure the Redis scripts are loaded again, at most once a second,
 * so the shared counters come back on their own when Redis does.
 */
export class FallbackRateLimitStore implements Store {
  readonly localKeys = false;
  private readonly memory = new MemoryStore();
  private readonly shared: RedisStore;
  private options: Options | undefined;
  private nextReload = 0;

  private readonly onFallback: (error: unknown) => void;

  constructor(
    redis: Redis,
    onFallback: (error: unknown) => void,
  ) {
    this.onFallback = onFallback;
    this.shared = new RedisStore({
      prefix: "kpo:rl:",
      sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<never>,
    });
  }

  async init(options: Options): Promise<void> {
    this.options = options;
    this.memory.init(options);
    await this.shared.init(options).catch((error: unknown) => this.fellBack(error));
  }

  private fellBack(error: unknown): void {
    this.onFallback(error);
    const now = Date.now();
    if (this.options && now >= this.nextReload) {
      this.nextReload = now + 1_000;
      // A failed init leaves rejected script hashes behind; load them again for when Redis returns.
      void this.shared.init(this.options).catch(() => undefined);
    }
  }

  async increment(key: string): Promise<IncrementResponse> {
    try {
      return await this.shared.increment(key);
    } catch (error) {
      this.fellBack(error);
      return this.memory.increment(key);
    }
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    try {
      return await this.shared.get(key);
    } catch (error) {
      this.fellBack(error);
      return this.memory.get(key);
    }
  }

  async decrement(key: string): Promise<void> {
    await this.shared.decrement(key).catch(() => this.memory.decrement(key));
  }

  async resetKey(key: string): Promise<void> {
    await Promise.all([this.shared.resetKey(key).catch(() => undefined), this.memory.resetKey(key)]);
  }

  shutdown(): void {
    this.memory.shutdown();
  }
}
