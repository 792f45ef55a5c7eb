/**
 * Composition root of `npm start`: settings -> logger -> HTTP server (listening first, so
 * /healthz answers at once) -> assistant (loads or builds the index) -> ready -> optional
 * Discord bot in the same process. The only place that reads the environment.
 */
import { createApp } from "./api/app.ts";
import { createMetrics } from "./api/metrics.ts";
import { startServer } from "./api/server.ts";
import { createAssistant } from "./assistant.ts";
import type { Assistant } from "./assistant-types.ts";
import { loadSettings } from "./config/settings.ts";
import { AppError } from "./errors.ts";
import { createLogger } from "./logger.ts";
import { openSharedState } from "./store/index.ts";

async function main(): Promise<void> {
  const settings = loadSettings(process.env, process.cwd()); // a bad value throws a ConfigError naming it
  const logger = createLogger(settings, "kpo-api");
  const metrics = createMetrics();
  let assistant: Assistant | undefined;
  // One Redis client for the API's rate limits and the assistant's answer cache (REDIS_URL).
  const shared = openSharedState(settings, { logger, onFallback: (component) => metrics.sharedStateFallbacks.inc({ component }) });

  const app = createApp({ settings, logger, metrics, assistant: () => assistant, redis: shared.redis });
  const running = await startServer({ app, settings, logger, handleSignals: true });
  logger.info({ url: running.url }, "listening");
  process.stdout.write(`kpo api listening on ${running.url} (loading the index; /readyz answers 503 until it is ready)\n`);

  running.onShutdown(() => shared.close()); // registered first, so it runs last
  const loaded = await createAssistant(settings, {
    logger,
    shared,
    onFallback: (component) => metrics.sharedStateFallbacks.inc({ component }),
  });
  if (running.closing) {
    await loaded.close();
    return;
  }
  running.onShutdown(() => loaded.close());
  assistant = loaded;
  const { embedder, defaultMode } = loaded.status;
  logger.info({ url: running.url, embedder, defaultMode }, "ready");
  process.stdout.write(`kpo api ready on ${running.url}: embedder ${embedder}, answer mode ${defaultMode}\n`);

  if (settings.DISCORD_TOKEN) {
    // Loaded only when a token is set, so the API does not pull in discord.js otherwise.
    const { botSettings, startBot } = await import("../bots/discord/bot.ts");
    const bot = await startBot({ settings: botSettings(settings), logger, assistant: loaded });
    running.onShutdown(() => bot.close()); // registered last, so it closes before the assistant
    process.stdout.write("kpo discord bot started in the same process\n");
  }
}

main().catch((error: unknown) => {
  // Known errors carry a message naming the file or setting; anything else gets its stack on stderr.
  process.stderr.write(`kpo: ${error instanceof AppError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
