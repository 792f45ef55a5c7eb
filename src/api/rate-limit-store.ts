import { MemoryStore, type ClientRateLimitInfo, type IncrementResponse, type Options, type Store } from "express-rate-limit";
import type { Redis } from "ioredis";
import { RedisStore } from "rate-limit-redis";
import { whenReady } from "../store/redis.ts";

/** How long the first requests wait for Redis at start-up before counting per process. */
const STARTUP_WAIT_MS = 3_000;

/**
 * Rate-limit counters in a `shared` store, falling back to a `local` one (this process's memory
 * by default) for every call the shared store fails, so requests are still limited and never fail
 * because of the limiter. `onFallback` runs on every fallback (logged and counted by the caller).
 *
 * With WORKERS > 1 the shared store is the cluster primary's (ClusterMemoryStoreWorker), which
 * fails a call whose reply has not been read within 1 s: a worker whose event loop was busy that
 * long (answers queued under heavy load) would otherwise answer 500.
 */
export class FallbackStore implements Store {
  readonly localKeys = false;
  protected readonly local: Store;
  protected readonly shared: Store;
  protected options: Options | undefined;
  protected ready: Promise<void> = Promise.resolve();
  private readonly onFallback: (error: unknown) => void;

  constructor(shared: Store, onFallback: (error: unknown) => void, local: Store = new MemoryStore()) {
    this.shared = shared;
    this.local = local;
    this.onFallback = onFallback;
  }

  init(options: Options): Promise<void> {
    this.options = options;
    this.ready = (async () => {
      await this.local.init?.(options);
      await this.start(options);
    })();
    return this.ready;
  }

  /** Makes the shared store ready (every request waits for it). */
  protected async start(options: Options): Promise<void> {
    await Promise.resolve(this.shared.init?.(options)).catch((error: unknown) => this.fellBack(error));
  }

  protected fellBack(error: unknown): void {
    this.onFallback(error);
  }

  async increment(key: string): Promise<IncrementResponse> {
    await this.ready;
    try {
      return await this.shared.increment(key);
    } catch (error) {
      this.fellBack(error);
      return this.local.increment(key);
    }
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    await this.ready;
    try {
      return await this.shared.get?.(key);
    } catch (error) {
      this.fellBack(error);
      return this.local.get?.(key);
    }
  }

  async decrement(key: string): Promise<void> {
    await Promise.resolve(this.shared.decrement(key)).catch(() => this.local.decrement(key));
  }

  async resetKey(key: string): Promise<void> {
    await Promise.all([Promise.resolve(this.shared.resetKey(key)).catch(() => undefined), this.local.resetKey(key)]);
  }

  shutdown(): void {
    void this.local.shutdown?.();
  }
}

/**
 * Rate-limit counters in Redis (shared by every replica), falling back to `local` (this process's
 * memory, or with WORKERS > 1 the counters the cluster primary keeps for this host's workers)
 * while Redis is unreachable, so requests are still limited (per host). After a failure the Redis
 * scripts are loaded again, at most once a second, so the shared counters come back on their own
 * when Redis does.
 *
 * At start-up the client is still connecting, and a command sent then fails at once (no offline
 * queue): the store becomes ready only once Redis is (or STARTUP_WAIT_MS passed), and every
 * request waits for that, so a replica started under load counts in Redis from its first request
 * and logs no outage that is not one.
 */
export class FallbackRateLimitStore extends FallbackStore {
  private readonly redis: Redis;
  private nextReload = 0;

  constructor(redis: Redis, onFallback: (error: unknown) => void, local: Store = new MemoryStore()) {
    super(
      new RedisStore({
        prefix: "kpo:rl:",
        sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<never>,
      }),
      onFallback,
      local,
    );
    this.redis = redis;
  }

  protected override async start(options: Options): Promise<void> {
    if (!(await whenReady(this.redis, STARTUP_WAIT_MS))) {
      this.fellBack(new Error(`redis was not ready within ${STARTUP_WAIT_MS} ms of start-up`));
      return;
    }
    await super.start(options);
  }

  protected override fellBack(error: unknown): void {
    super.fellBack(error);
    const now = Date.now();
    if (this.options && now >= this.nextReload) {
      this.nextReload = now + 1_000;
      // A failed init leaves rejected script hashes behind; load them again for when Redis returns.
      void Promise.resolve(this.shared.init?.(this.options)).catch(() => undefined);
    }
  }
}
