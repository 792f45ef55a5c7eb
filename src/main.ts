/**
 * Composition root of `npm start`: settings -> logger -> HTTP server (listening first, so
 * /healthz answers at once) -> live assistant (loads the index, or builds it in a child
 * process; then follows DATA_DIR/CURRENT) -> ready -> optional Discord bot in the same
 * process. The only place that reads the environment.
 */
import { createApp } from "./api/app.ts";
import { createMetrics } from "./api/metrics.ts";
import { startServer } from "./api/server.ts";
import { DocumentService } from "./ingest/documents.ts";
import { ingestInChildProcess } from "./ingest/child.ts";
import { createLiveAssistant } from "./live-assistant.ts";
import { loadDotEnv } from "./config/project.ts";
import { loadSettings } from "./config/settings.ts";
import { AppError } from "./errors.ts";
import { createLogger } from "./logger.ts";
import { indexOptionsFor } from "./store/index-options.ts";
import { openSharedState, type SharedComponent } from "./store/index.ts";

async function main(): Promise<void> {
  loadDotEnv(process.cwd());
  const settings = loadSettings(process.env, process.cwd()); // a bad value throws a ConfigError naming it
  const logger = createLogger(settings, "kpo-api");
  const metrics = createMetrics();
  // One PostgreSQL pool and one Redis client per process: the API's rate limits, and the question
  // log, feedback and answer cache of every index the live assistant loads.
  const onFallback = (component: SharedComponent) => metrics.sharedStateFallbacks.inc({ component });
  const shared = openSharedState(settings, { logger, onFallback });
  // The index is built (when missing or stale) in a child process, so /healthz and /readyz answer
  // throughout; a new index published by `kpo add` or an upload is swapped in without a restart.
  // The build runs under the build lock, which ensureIndex (a start-up build) and the document
  // service (an upload) take themselves: `build` takes none.
  const build = () => ingestInChildProcess(settings, { warn: (m) => logger.warn(m) });
  const live = createLiveAssistant(settings, { logger, build, shared, onFallback });
  const documents = new DocumentService(settings, build, () => live.reload().then(() => undefined), indexOptionsFor(shared.store, settings.DATA_DIR, logger).lock);

  // The MCP SDK is loaded only when MCP over HTTP is on.
  const mcp = settings.MCP_HTTP ? (await import("./mcp/http.ts")).createMcpHttpHandler() : undefined;
  const app = createApp({ settings, logger, metrics, assistant: live.current, documents, redis: shared.redis, mcp });
  const running = await startServer({ app, settings, logger, handleSignals: true });
  logger.info({ url: running.url }, "listening");
  process.stdout.write(`kpo api listening on ${running.url} (loading the index; /readyz answers 503 until it is ready)\n`);

  running.onShutdown(() => shared.close()); // registered first, so it runs last
  const loaded = await live.start();
  if (running.closing) {
    await live.close();
    return;
  }
  running.onShutdown(() => live.close());
  const { embedder, defaultMode } = loaded.status;
  logger.info({ url: running.url, embedder, defaultMode }, "ready");
  process.stdout.write(`kpo api ready on ${running.url}: embedder ${embedder}, answer mode ${defaultMode}\n`);

  if (settings.DISCORD_TOKEN) {
    // Loaded only when a token is set, so the API does not pull in discord.js otherwise.
    const { botSettings, startBot } = await import("../bots/discord/bot.ts");
    const bot = await startBot({ settings: botSettings(settings), logger, assistant: live.assistant });
    running.onShutdown(() => bot.close()); // registered last, so it closes before the assistant
    process.stdout.write("kpo discord bot started in the same process\n");
  }
}

main().catch((error: unknown) => {
  // Known errors carry a message naming the file or setting; anything else gets its stack on stderr.
  process.stderr.write(`kpo: ${error instanceof AppError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
