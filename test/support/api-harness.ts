import { Writable } from "node:stream";
import { pino } from "pino";
import type { Assistant } from "../../src/assistant-types.ts";
import { createApp, type McpEndpoint } from "../../src/api/app.ts";
import { createMetrics, type ApiMetrics } from "../../src/api/metrics.ts";
import { startServer, type RunningServer } from "../../src/api/server.ts";
import type { Settings } from "../../src/config/settings.ts";
import type { Logger } from "../../src/logger.ts";
import { testSettings } from "./assistant.ts";

export interface TestApi {
  url: string;
  settings: Settings;
  metrics: ApiMetrics;
  running: RunningServer;
  /** Every log line the app wrote, parsed. */
  logs: Record<string, unknown>[];
  /** The raw log text (to prove something never appears in it). */
  logText(): string;
  close(): Promise<void>;
}

/**
 * The real app (createApp) served by the real server (startServer) on an ephemeral port of
 * 127.0.0.1, with logs captured in memory. `env` overrides settings as environment values.
 */
export async function startTestApi(options: {
  assistant: Assistant | (() => Assistant | undefined);
  env?: Record<string, string>;
  /** Serves MCP at /mcp (what src/main.ts passes when MCP_HTTP=true). */
  mcp?: McpEndpoint;
}): Promise<TestApi> {
  const settings = testSettings({ HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", RATE_LIMIT_PER_MINUTE: "100000", ...options.env });
  const { logger, logs, text } = memoryLogger();
  const metrics = createMetrics({ defaultMetrics: false });
  const provided = options.assistant;
  const assistant = typeof provided === "function" ? provided : () => provided;
  const app = createApp({ settings, logger, metrics, assistant, mcp: options.mcp });
  const running = await startServer({ app, settings, logger });
  return {
    url: running.url,
    settings,
    metrics,
    running,
    get logs() {
      return logs();
    },
    logText: text,
    close: async () => {
      await running.shutdown("test");
    },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

/** A pino logger at info level that keeps every line in memory, as text or parsed on demand. */
export function memoryLogger(): { logger: Logger; logs: () => Record<string, unknown>[]; text: () => string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: "info" }, sink), logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), text: () => lines.join("\n") };
}
