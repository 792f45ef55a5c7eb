import { pino } from "pino";
import { createApp } from "../../src/api/app.ts";
import { createMetrics, type ApiMetrics } from "../../src/api/metrics.ts";
import { startServer } from "../../src/api/server.ts";
import { createAssistant } from "../../src/assistant.ts";
import type { Assistant } from "../../src/assistant-types.ts";
import { openSharedState } from "../../src/store/index.ts";
import { testSettings } from "./assistant.ts";

export interface Replica {
  url: string;
  metrics: ApiMetrics;
  assistant: Assistant;
  /** Value of kpo_shared_state_fallbacks_total for one component. */
  fallbacks(component: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * One app instance wired the way src/main.ts wires it (shared state from DATABASE_URL and
 * REDIS_URL, one Redis client for rate limits and the answer cache), over the shared index.
 */
export async function startReplica(env: Record<string, string>): Promise<Replica> {
  const settings = testSettings({ HOST: "127.0.0.1", PORT: "0", RATE_LIMIT_PER_MINUTE: "100000", ...env });
  const logger = pino({ level: "silent" });
  const metrics = createMetrics({ defaultMetrics: false });
  const onFallback = (component: "question_log" | "answer_cache" | "rate_limit") => metrics.sharedStateFallbacks.inc({ component });
  const shared = openSharedState(settings, { logger, onFallback });
  const assistant = await createAssistant(settings, { logger, shared, onFallback });
  const app = createApp({ settings, logger, metrics, assistant: () => assistant, redis: shared.redis });
  const running = await startServer({ app, settings, logger });
  return {
    url: running.url,
    metrics,
    assistant,
    fallbacks: async (component) => (await metrics.sharedStateFallbacks.get()).values.find((v) => v.labels.component === component)?.value ?? 0,
    close: async () => {
      await running.shutdown("test");
      await assistant.close();
      await shared.close();
    },
  };
}
