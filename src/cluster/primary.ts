import cluster, { type Address, type Worker } from "node:cluster";
import { ClusterMemoryStorePrimary } from "@express-rate-limit/cluster-memory-store";
import { AggregatorRegistry } from "prom-client";
import { PRELOAD } from "../config/project.ts";
import type { Settings } from "../config/settings.ts";
import { createLogger } from "../logger.ts";
import { createRpc, METHODS, type Rpc } from "./rpc.ts";
import type { WorkerStatus } from "./worker.ts";

/** A worker that ran this long before dying is restarted at once; one that died sooner waits longer each time. */
const STABLE_UPTIME_MS = 60_000;
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
/** How long a reload waits for one worker (loading an index takes well under this). */
const RELOAD_TIMEOUT_MS = 55_000;
/** How long /metrics waits for one worker's figures (a worker that does not answer is left out). */
const METRICS_TIMEOUT_MS = 2_000;

/** Delay before restarting a worker that died after `quickDeaths` deaths in a row, each within STABLE_UPTIME_MS of its start. */
export function restartDelayMs(quickDeaths: number): number {
  return quickDeaths === 0 ? 0 : Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (quickDeaths - 1));
}

/**
 * The node arguments a worker runs with: the primary's own (`--import` of the TypeScript preload
 * among them under `npm start`), with the preload added when the primary was started without it,
 * so a worker always runs the TypeScript sources the way the primary does.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  return execArgv.some((arg) => arg.includes("preload.mjs")) ? [...execArgv] : [...execArgv, "--import", PRELOAD];
}

interface Slot {
  worker: Worker | undefined;
  rpc: Rpc | undefined;
  startedAt: number;
  /** Serves HTTP (and so answers the primary's requests). */
  listening: boolean;
  /** Its index is loaded. */
  ready: boolean;
  quickDeaths: number;
  restartTimer: NodeJS.Timeout | undefined;
}

/**
 * The cluster primary (WORKERS > 1): forks WORKERS workers (each runs `exec`, src/main.ts, and
 * serves on the one port the primary holds), and stays thin: no index, no Express. It keeps the
 * rate-limit counters of every worker, sums their metrics for /metrics, relays "load the new index"
 * from the worker that published it to the others, restarts a worker that dies unexpectedly (with
 * a back-off while they keep dying young; logged), and passes SIGTERM/SIGINT on as a graceful
 * shutdown of each worker. A worker that fails before the server was first ready (every worker
 * loaded the index once; a broken corpus, say) stops the whole server, as it would stop a single
 * process.
 */
export async function runPrimary(settings: Settings, options: { exec: string; slotEnv: string }): Promise<void> {
  const logger = createLogger(settings, "kpo-primary");
  const say = (line: string) => process.stdout.write(`${line}\n`);
  cluster.setupPrimary({ exec: options.exec, execArgv: workerExecArgv(process.execArgv) });
  new ClusterMemoryStorePrimary().init();

  const slots: Slot[] = Array.from({ length: settings.WORKERS }, () => ({ worker: undefined, rpc: undefined, startedAt: 0, listening: false, ready: false, quickDeaths: 0, restartTimer: undefined }));
  const slotOf = (worker: Worker) => slots.findIndex((s) => s.worker === worker);
  let url: string | undefined;
  let everReady = false;
  let stopping = false;
  let failed = false;

  const fork = (index: number) => {
    const slot = slots[index]!;
    const worker = cluster.fork({ [options.slotEnv]: String(index) });
    const rpc = createRpc({ send: (message, callback) => worker.send(message as never, callback), on: (event, listener) => worker.on(event, listener) });
    Object.assign(slot, { worker, rpc, startedAt: Date.now(), listening: false, ready: false, restartTimer: undefined });
    rpc.handle(METHODS.ready, (body) => {
      const status = body as WorkerStatus;
      slot.ready = true;
      slot.quickDeaths = 0;
      logger.info({ slot: index, workerPid: worker.process.pid }, "worker ready");
      say(`kpo api worker ${index} ready (pid ${worker.process.pid})`);
      if (!everReady && slots.every((s) => s.ready)) {
        everReady = true;
        logger.info({ url, workers: settings.WORKERS, embedder: status.embedder, defaultMode: status.defaultMode }, "ready");
        say(`kpo api ready on ${url}: ${settings.WORKERS} workers, embedder ${status.embedder}, answer mode ${status.defaultMode}`);
      }
    });
    rpc.handle(METHODS.metrics, () => summedMetrics(slots));
    rpc.handle(METHODS.reloadOthers, async () => {
      const others = slots.filter((s) => s.worker !== worker && s.ready && s.rpc);
      await Promise.all(others.map((s) => s.rpc!.request(METHODS.reload, undefined, RELOAD_TIMEOUT_MS)));
      return others.length;
    });
  };

  cluster.on("listening", (worker: Worker, address: Address) => {
    const slot = slots[slotOf(worker)];
    if (slot) slot.listening = true;
    const found = `http://${address.addressType === 6 ? `[${address.address}]` : address.address}:${address.port}`;
    if (url === undefined) {
      url = found;
      logger.info({ url, workers: settings.WORKERS }, "listening");
      say(`kpo api listening on ${url} (${settings.WORKERS} workers loading the index; /readyz answers 503 until they are ready)`);
    } else if (found !== url) {
      logger.warn({ url, found, workerPid: worker.process.pid }, "a worker listens on another address than the first");
    }
  });

  let allExited: () => void = () => {};
  const exited = new Promise<void>((resolve) => (allExited = resolve));
  const resolveWhenNoneLeft = () => void (slots.every((s) => !s.worker) && allExited());
  cluster.on("exit", (worker: Worker, code: number | null, signal: string | null) => {
    const index = slotOf(worker);
    if (index < 0) return;
    const slot = slots[index]!;
    // A worker stopped before it listened was sent SIGTERM (it had nothing in flight): that is a clean stop too.
    const clean = (code === 0 && !signal) || (stopping && signal === "SIGTERM" && !slot.listening);
    Object.assign(slot, { worker: undefined, rpc: undefined, listening: false, ready: false });
    if (stopping) {
      failed ||= !clean;
      resolveWhenNoneLeft();
      return;
    }
    if (!everReady) {
      logger.error({ slot: index, workerPid: worker.process.pid, code, signal }, "a worker exited before the server was ready; stopping");
      process.stderr.write(`kpo: worker ${index} exited (${signal ?? `code ${code}`}) before the server was ready; stopping the others\n`);
      failed = true;
      stop("a worker failed at start-up");
      return;
    }
    slot.quickDeaths = Date.now() - slot.startedAt < STABLE_UPTIME_MS ? slot.quickDeaths + 1 : 0;
    const delay = restartDelayMs(slot.quickDeaths);
    logger.warn({ slot: index, workerPid: worker.process.pid, code, signal, restartInMs: delay }, "worker exited unexpectedly; restarting it");
    slot.restartTimer = setTimeout(() => fork(index), delay);
  });

  let forceTimer: NodeJS.Timeout | undefined;
  const stop = (reason: string) => {
    stopping = true;
    for (const slot of slots) clearTimeout(slot.restartTimer);
    // A serving worker drains its requests and runs its shutdown hooks; one still starting up (it
    // may not listen to the primary yet) has nothing in flight and simply ends; one that hangs is killed.
    for (const slot of slots) {
      if (slot.listening) void slot.rpc?.request(METHODS.shutdown, reason).catch(() => undefined);
      else slot.worker?.process.kill("SIGTERM");
    }
    resolveWhenNoneLeft();
    forceTimer ??= setTimeout(() => {
      logger.warn("workers did not shut down in time; killing them");
      for (const slot of slots) slot.worker?.process.kill("SIGKILL");
    }, settings.SHUTDOWN_TIMEOUT_MS * 3 + 5_000);
    forceTimer.unref();
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      if (stopping) {
        logger.warn({ signal }, "second signal during shutdown: killing the workers now");
        for (const slot of slots) slot.worker?.process.kill("SIGKILL");
        failed = true;
        return;
      }
      logger.info({ signal, workers: settings.WORKERS }, "shutting down the workers");
      stop(signal);
    });
  }

  for (let i = 0; i < slots.length; i++) fork(i);
  await exited;
  clearTimeout(forceTimer);
  logger.info({ clean: !failed }, "shut down");
  process.exit(failed ? 1 : 0);
}

/** Every serving worker's metrics, summed (prom-client's cluster aggregation: counters and histograms add up, gauges per their aggregator). */
async function summedMetrics(slots: readonly Slot[]): Promise<string> {
  const answers = await Promise.allSettled(slots.filter((s) => s.listening && s.rpc).map((s) => s.rpc!.request(METHODS.ownMetrics, undefined, METRICS_TIMEOUT_MS)));
  const figures = answers.flatMap((a) => (a.status === "fulfilled" ? [a.value as object] : []));
  return AggregatorRegistry.aggregate(figures).metrics();
}
