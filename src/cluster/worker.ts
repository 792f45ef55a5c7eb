import cluster from "node:cluster";
import { ClusterMemoryStoreWorker } from "@express-rate-limit/cluster-memory-store";
import type { Store } from "express-rate-limit";
import type { Registry } from "prom-client";
import type { WorkerGroup } from "../api/app.ts";
import { createRpc, METHODS } from "./rpc.ts";

/** How long an upload waits for the other workers to load the index it published. */
const RELOAD_OTHERS_TIMEOUT_MS = 60_000;

/** What a worker reports when it serves (the primary prints one line for all of them). */
export interface WorkerStatus {
  slot: number;
  pid: number;
  embedder: string;
  defaultMode: string;
}

/** One serving process of several (WORKERS > 1): its link to the primary and, through it, to the other workers. */
export interface ClusterWorker extends WorkerGroup {
  /** This worker's place, 0 to WORKERS-1; a replacement takes the place of the worker it replaces. */
  readonly slot: number;
  /** Tells the primary this worker listens and its index is loaded. */
  ready(status: Omit<WorkerStatus, "slot" | "pid">): void;
  /** After this worker published a new index and loaded it: resolves once every other worker loaded it too. */
  reloadOthers(): Promise<void>;
  /** What loads the published index when another worker published one. */
  onReload(reload: () => Promise<unknown>): void;
  /** What shuts this worker down when SIGTERM or SIGINT reached the primary. */
  onShutdown(shutdown: (reason: string) => void): void;
}

/**
 * Joins the cluster from a worker: rate-limit counters live in the primary (one budget per key
 * whichever worker serves it), /metrics sums every worker's `registry` (the primary asks each for
 * it), and reloads and shutdowns arrive from the primary.
 */
export function joinCluster(registry: Registry, slot: number): ClusterWorker {
  if (!cluster.isWorker) throw new Error("joinCluster is for a cluster worker (WORKERS > 1)");
  const rpc = createRpc({ send: (message, callback) => process.send!(message, undefined, undefined, callback), on: (event, listener) => process.on(event, listener) });
  rpc.handle(METHODS.ownMetrics, () => registry.getMetricsAsJSON());
  // A shutdown that arrives before the server registered how to shut down waits for it.
  let shutdown: ((reason: string) => void) | undefined;
  let shutdownAsked: string | undefined;
  rpc.handle(METHODS.shutdown, (reason) => void (shutdown ? shutdown(String(reason)) : (shutdownAsked = String(reason))));
  return {
    slot,
    rateLimitStore: (): Store => new ClusterMemoryStoreWorker({ prefix: "kpo-rate-limit" }),
    metricsText: async () => String(await rpc.request(METHODS.metrics)),
    ready: (status) => void rpc.request(METHODS.ready, { ...status, slot, pid: process.pid } satisfies WorkerStatus).catch(() => undefined),
    reloadOthers: async () => {
      await rpc.request(METHODS.reloadOthers, undefined, RELOAD_OTHERS_TIMEOUT_MS);
    },
    onReload: (reload) => rpc.handle(METHODS.reload, () => reload().then(() => true)),
    onShutdown: (handler) => {
      shutdown = handler;
      if (shutdownAsked !== undefined) handler(shutdownAsked);
    },
  };
}
