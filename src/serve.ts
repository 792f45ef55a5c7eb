/**
 * Composition root of one serving process (`npm start` with WORKERS=1, or each worker of the
 * cluster): logger -> HTTP server (listening first, so /healthz answers at once) -> live
 * assistant (loads the index, or builds it in a child process; then follows DATA_DIR/CURRENT)
 * -> ready -> optional Discord bot in the same process. src/main.ts reads the environment.
 */
import { createApp } from "./api/app.ts";
import { createMetrics } from "./api/metrics.ts";
import { startServer } from "./api/server.ts";
import { DocumentService } from "./ingest/documents.ts";
import { ingestInChildProcess } from "./ingest/child.ts";
import { createLiveAssistant } from "./live-assistant.ts";
import type { Settings } from "./config/settings.ts";
import { createLogger } from "./logger.ts";
import type { ClusterWorker } from "./cluster/worker.ts";
import { indexOptionsFor } from "./store/index-options.ts";
import { openSharedState, type SharedComponent } from "./store/index.ts";

export interface ServeOptions {
  /** With WORKERS > 1: this process is a worker in `slot` (src/cluster/worker.ts joins it to the others). */
  worker?: { slot: number };
}

export async function serve(settings: Settings, options: ServeOptions = {}): Promise<void> {
  const logger = createLogger(settings, "kpo-api");
  const metrics = createMetrics();
  // Loaded only in a worker; a single process has nothing to share.
  const worker: ClusterWorker | undefined = options.worker && (await import("./cluster/worker.ts")).joinCluster(metrics.registry, options.worker.slot);
  // Lines for people and scripts come from the primary when there are several workers.
  const say = (line: string) => void (worker ? undefined : process.stdout.write(`${line}\n`));
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
  // An upload is acknowledged once every worker serves the index it published. Neither step throws
  // (a failed reload keeps the previous index and is logged), and each worker polls CURRENT as well.
  const published = async () => {
    await live.reload();
    await worker?.reloadOthers().catch((error: unknown) => logger.warn({ err: error }, "not every worker confirmed it loaded the new index; those that did not will load it at their next poll"));
  };
  const documents = new DocumentService(settings, build, published, indexOptionsFor(shared.store, settings.DATA_DIR, logger).lock);

  // The MCP SDK is loaded only when MCP over HTTP is on.
  const mcp = settings.MCP_HTTP ? (await import("./mcp/http.ts")).createMcpHttpHandler() : undefined;
  const app = createApp({ settings, logger, metrics, assistant: live.current, documents, redis: shared.redis, mcp, workers: worker });
  const running = await startServer({ app, settings, logger, handleSignals: true });
  // SIGTERM or SIGINT sent to the primary (a Ctrl-C reaches every worker itself too; shutdown is idempotent).
  worker?.onShutdown((reason) => void running.shutdown(reason).then((clean) => process.exit(clean ? 0 : 1)));
  logger.info({ url: running.url }, "listening");
  say(`kpo api listening on ${running.url} (loading the index; /readyz answers 503 until it is ready)`);

  running.onShutdown(() => shared.close()); // registered first, so it runs last
  const loaded = await live.start();
  if (running.closing) {
    await live.close();
    return;
  }
  running.onShutdown(() => live.close());
  worker?.onReload(() => live.reload()); // once the first index is loaded: a reload before it would race start()
  const { embedder, defaultMode } = loaded.status;
  logger.info({ url: running.url, embedder, defaultMode }, "ready");
  say(`kpo api ready on ${running.url}: embedder ${embedder}, answer mode ${defaultMode}`);
  worker?.ready({ embedder, defaultMode });

  // One bot per token: with several workers it runs in the first (and its replacement).
  if (settings.DISCORD_TOKEN && (worker?.slot ?? 0) === 0) {
    // Loaded only when a token is set, so the API does not pull in discord.js otherwise.
    const { botSettings, startBot } = await import("../bots/discord/bot.ts");
    const bot = await startBot({ settings: botSettings(settings), logger, assistant: live.assistant });
    running.onShutdown(() => bot.close()); // registered last, so it closes before the assistant
    process.stdout.write(`kpo discord bot started in the same process${worker ? ` (worker ${worker.slot})` : ""}\n`);
  }
}
