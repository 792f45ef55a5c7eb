import type { Settings } from "../config/settings.ts";
import { fileBuildLock, type BuildLock } from "../index/build-lock.ts";
import { VectorCache, type VectorCacheStore } from "../index/vector-cache.ts";
import type { Logger } from "../logger.ts";
import { PostgresStore } from "./postgres.ts";
import type { Store } from "./types.ts";

export interface IndexBuildOptions {
  /** The one lock over corpus changes and index builds. */
  lock: BuildLock;
  openVectorCache?: (embedderId: string) => Promise<VectorCacheStore>;
}

/**
 * With PostgreSQL, index builds use its vector cache (a rebuild on any host embeds nothing
 * already embedded) and its advisory lock (one builder across hosts), then DATA_DIR/build.lock
 * as well, always in that order: a process tidying DATA_DIR at start (which only tries the
 * file lock) never removes the work of a build running on this host. If the database cannot
 * be reached, the build goes ahead under the DATA_DIR lock with the files in DATA_DIR.
 */
export function indexOptionsFor(store: Store | undefined, dataDir: string, logger?: Logger): IndexBuildOptions {
  const fileLock = fileBuildLock(dataDir);
  if (!(store instanceof PostgresStore)) return { lock: fileLock };
  return {
    lock: async () => {
      let releaseAdvisory: (() => Promise<void>) | undefined;
      try {
        releaseAdvisory = await store.lock("kpo-index-build");
      } catch (error) {
        logger?.warn({ err: error }, "postgresql unreachable: building under the DATA_DIR lock only");
      }
      let releaseFile: () => Promise<void>;
      try {
        releaseFile = await fileLock();
      } catch (error) {
        await releaseAdvisory?.();
        throw error;
      }
      return async () => {
        await releaseFile().catch(() => undefined);
        await releaseAdvisory?.();
      };
    },
    openVectorCache: async (embedderId) => {
      try {
        return await store.openVectorCache(embedderId);
      } catch (error) {
        logger?.warn({ err: error }, "postgresql unreachable: using the vector cache in DATA_DIR for this build");
        return VectorCache.open(dataDir, embedderId);
      }
    },
  };
}

/**
 * For a process that builds without serving (the CLI, the ingest child): the lock and vector
 * cache DATABASE_URL selects, and close() to end the database connection afterwards.
 */
export function indexOptionsFromSettings(settings: Pick<Settings, "DATABASE_URL" | "DATA_DIR">, logger?: Logger): IndexBuildOptions & { close(): Promise<void> } {
  const store = settings.DATABASE_URL ? new PostgresStore(settings.DATABASE_URL, logger) : undefined;
  return { ...indexOptionsFor(store, settings.DATA_DIR, logger), close: async () => store?.close() };
}
