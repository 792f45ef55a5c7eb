import type { Logger } from "pino";
import { createAssistant } from "./assistant.ts";
import type { Assistant } from "./assistant-types.ts";
import type { Settings } from "./config/settings.ts";
import type { Embedder } from "./embed/embedder.ts";
import { createEmbedder } from "./embed/factory.ts";
import { IndexError } from "./errors.ts";
import { publishedIndexName } from "./index/store.ts";
import { openSharedState, type SharedComponent, type SharedState } from "./store/index.ts";

/**
 * The assistant of a long-running process (the API server, the bot), kept on the index that is
 * published in DATA_DIR/CURRENT. When another process (`kpo add`, `kpo ingest`, an upload)
 * publishes a new index, the next poll loads it beside the old one and swaps the reference:
 * calls already running finish on the old assistant, new ones get the new one, and there
 * is never a moment without an assistant (so /readyz stays 200 through the swap). The old one
 * is closed once its last call finishes (Assistant.close waits for them), which frees its
 * lexical search thread, SQLite handle and HNSW graph: a server reloading all day stays flat.
 */
export interface LiveAssistant {
  /**
   * The assistant on the latest loaded index (the stable facade below); undefined until the
   * first load finishes. Every call goes to the index loaded at the time of the call, so a
   * request never reaches an index that was closed.
   */
  current(): Assistant | undefined;
  /** A stable Assistant that forwards every call to the latest loaded one (for surfaces that keep a reference, like the bot). */
  readonly assistant: Assistant;
  /** Loads the index (building it first when missing or stale, via `build`) and starts watching CURRENT. */
  start(): Promise<Assistant>;
  /** Loads the published index if it is not the one being served. Resolves true when it swapped. */
  reload(): Promise<boolean>;
  close(): Promise<void>;
}

export interface LiveAssistantOptions {
  logger?: Logger;
  /** Shared by every loaded index (the model loads once); defaults to the embedder EMBEDDINGS selects. */
  embedder?: Embedder;
  /** Builds and publishes the index when it is missing or stale (the server: in a child process). */
  build?: () => Promise<unknown>;
  /** Poll interval for DATA_DIR/CURRENT in ms; 0 turns polling off. Default INDEX_RELOAD_POLL_MS. */
  pollMs?: number;
  /**
   * The question log, feedback and answer cache, shared by every loaded index (one PostgreSQL
   * pool and Redis client per process, never reopened on a reload); opened from the settings
   * and closed with the live assistant when not given.
   */
  shared?: SharedState;
  /** A shared engine failed and this process fell back (counted in /metrics by the API). */
  onFallback?: (component: SharedComponent, error: unknown) => void;
}

export function createLiveAssistant(settings: Settings, options: LiveAssistantOptions = {}): LiveAssistant {
  const { logger } = options;
  const embedder = options.embedder ?? createEmbedder(settings);
  const pollMs = options.pollMs ?? settings.INDEX_RELOAD_POLL_MS;
  const { onFallback } = options;
  const shared = options.shared ?? openSharedState(settings, { logger, onFallback });
  let current: Assistant | undefined;
  let servedIndex: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<boolean> | undefined;
  let closed = false;

  const load = async (index: { build?: () => Promise<unknown>; loadOnly?: boolean }) => {
    const name = await publishedIndexName(settings.DATA_DIR);
    const next = await createAssistant(settings, { logger, embedder, index, shared, ...(onFallback ? { onFallback } : {}) });
    // Built just now: CURRENT names the new directory.
    return { next, name: index.loadOnly ? name : await publishedIndexName(settings.DATA_DIR) };
  };

  const reload = (): Promise<boolean> => {
    reloading ??= (async () => {
      try {
        const name = await publishedIndexName(settings.DATA_DIR);
        if (!name || name === servedIndex || closed) return false;
        const started = performance.now();
        const { next, name: loaded } = await load({ loadOnly: true });
        if (closed) {
          await next.close();
          return false;
        }
        const previous = current;
        current = next;
        servedIndex = loaded;
        logger?.info({ index: loaded, ms: Math.round(performance.now() - started), chunks: next.status.manifest.counts.chunks }, "index reloaded");
        retire(previous);
        return true;
      } catch (error) {
        logger?.error({ err: error }, "loading the newly published index failed; still serving the previous one");
        return false;
      } finally {
        reloading = undefined;
      }
    })();
    return reloading;
  };

  /** Closes a replaced assistant once the calls still running on it finish (close() waits for them). */
  const retiring = new Set<Promise<void>>();
  const retire = (old: Assistant | undefined) => {
    if (!old) return;
    const closing = old
      .close()
      .catch((error: unknown) => logger?.warn({ err: error }, "closing the replaced index failed"))
      .finally(() => retiring.delete(closing));
    retiring.add(closing);
  };

  const assistant = new Proxy({} as Assistant, {
    get(_target, prop) {
      const target = current;
      if (!target) throw new IndexError("the index is still loading; retry shortly");
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });

  return {
    current: () => (current ? assistant : undefined),
    assistant,
    async start() {
      const { next, name } = await load({ build: options.build });
      await warmUp(embedder, logger);
      current = next;
      servedIndex = name;
      if (pollMs > 0) {
        timer = setInterval(() => void reload(), pollMs);
        timer.unref();
      }
      return next;
    },
    reload,
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await reloading;
      retire(current);
      await Promise.all(retiring);
      await embedder.close?.();
      if (!options.shared) await shared.close();
    },
  };
}

/**
 * Loads the model and runs it once before the first assistant is published, so /readyz 200
 * means the first question is answered at full speed (loading the model lazily cost the first
 * answer 0.3-0.7 s). It runs after the index load rather than beside it: both are CPU work on
 * this one thread, so overlapping them would not start the server sooner. A remote embedder
 * that fails here is only logged, so a service that is down at start does not keep the server
 * unready for good; the first question tries it again.
 */
async function warmUp(embedder: Embedder, logger: Logger | undefined): Promise<void> {
  const started = performance.now();
  try {
    await embedder.embed(["warm-up"]);
    logger?.info({ embedder: embedder.id, ms: Math.round(performance.now() - started) }, "embedding model warmed up");
  } catch (error) {
    logger?.warn({ err: error, embedder: embedder.id }, "warming up the embedder failed; the first question will retry it");
  }
}
