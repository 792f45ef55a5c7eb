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
import { withIngestLock } from "./ingest/lock.ts";
import { createLiveAssistant } from "./live-assistant.ts";
import { loadDotEnv } from "./config/project.ts";
import { loadSettings } from "./config/settings.ts";
import { AppError } from "./errors.ts";
import { createLogger } from "./logger.ts";

async function main(): Promise<void> {
  loadDotEnv(process.cwd());
  const settings = loadSettings(process.env, process.cwd()); // a bad value throws a ConfigError naming it
  const logger = createLogger(settings, "kpo-api");
  const metrics = createMetrics();
  // The index is built (when missing or stale) in a child process, so /healthz and /readyz answer
  // throughout; a new index published by `kpo add` or an upload is swapped in without a restart.
  const build = () => ingestInChildProcess(settings, { warn: (m) => logger.warn(m) });
  const live = createLiveAssistant(settings, { logger, build: () => withIngestLock(settings.DATA_DIR, build) });
  // The document service takes the ingest lock itself around each change and its build.
  const documents = new DocumentService(settings, build, () => live.reload().then(() => undefined));

  const app = createApp({ settings, logger, metrics, assistant: live.current, documents });
  const running = await startServer({ app, settings, logger, handleSignals: true });
  logger.info({ url: running.url }, "listening");
  process.stdout.write(`kpo api listening on ${running.url} (loading the index; /readyz answers 503 until it is ready)\n`);

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
    const { startBot } = await import("../bots/discord/bot.ts");
    const bot = await startBot({ settings, logger, assistant: live.assistant });
    running.onShutdown(() => bot.close()); // registered last, so it closes before the assistant
    process.stdout.write("kpo discord bot started in the same process\n");
  }
}

main().catch((error: unknown) => {
  // Known errors carry a message naming the file or setting; anything else gets its stack on stderr.
  process.stderr.write(`kpo: ${error instanceof AppError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
