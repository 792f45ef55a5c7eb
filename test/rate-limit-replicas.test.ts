import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.ts";
import { createMetrics } from "../src/api/metrics.ts";
import { startServer } from "../src/api/server.ts";
import { connectRedis } from "../src/store/redis.ts";
import { memoryLogger } from "./support/api-harness.ts";
import { testSettings } from "./support/assistant.ts";
import { startRedis, type Engine } from "./support/engines.ts";
import { fakeAssistant } from "./support/fake-assistant.ts";

const RUNS = 10;
const LIMIT = 10;
const KEYS = Array.from({ length: RUNS }, (_, i) => `replica-rate-key-${i}-0001`);

let redis: Engine;

beforeAll(async () => {
  redis = await startRedis();
}, 60_000);
afterAll(async () => {
  await redis?.destroy();
});

/** One replica as src/main.ts wires the rate limiter: its own Redis client, connecting as the server starts. */
async function startReplica() {
  const settings = testSettings({ HOST: "127.0.0.1", PORT: "0", REDIS_URL: redis.url, API_KEYS: KEYS.join(","), RATE_LIMIT_PER_MINUTE: String(LIMIT) });
  const { logger, text } = memoryLogger();
  const metrics = createMetrics({ defaultMetrics: false });
  const client = connectRedis(redis.url, logger);
  const app = createApp({ settings, logger, metrics, assistant: () => fakeAssistant(settings), redis: client });
  const running = await startServer({ app, settings, logger });
  return {
    url: running.url,
    logText: text,
    fallbacks: async () => (await metrics.sharedStateFallbacks.get()).values.reduce((n, v) => n + v.value, 0),
    close: async () => {
      await running.shutdown("test");
      client.disconnect();
    },
  };
}

describe("two replicas started together under load share one rate limit through Redis", () => {
  it(`accepts exactly the limit across both, from the first request, in ${RUNS} of ${RUNS} runs, with no spurious outage logged`, async () => {
    const outcomes: string[] = [];
    for (const key of KEYS) {
      // Both start at once and are hit at once: their Redis clients are still connecting.
      const [a, b] = await Promise.all([startReplica(), startReplica()]);
      try {
        const statuses = await Promise.all(
          Array.from({ length: 2 * LIMIT }, (_, i) => fetch(`${(i % 2 ? b : a).url}/v1/glossary`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status)),
        );
        const accepted = statuses.filter((s) => s === 200).length;
        const limited = statuses.filter((s) => s === 429).length;
        outcomes.push(`${accepted}/${limited}`);
        for (const replica of [a, b]) {
          expect(replica.logText()).not.toMatch(/redis (?:unreachable|was not ready)/);
          expect(await replica.fallbacks()).toBe(0);
        }
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }
    expect(outcomes).toEqual(Array(RUNS).fill(`${LIMIT}/${LIMIT}`));
  }, 120_000);
});
