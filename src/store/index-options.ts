import { fileBuildLock, type BuildLock } from "../ingest/build-lock.ts";
import { VectorCache, type VectorCacheStore } from "../index/vector-cache.ts";
import type { Logger } from "../logger.ts";
import { PostgresStore } from "./postgres.ts";
import type { Store } from "./types.ts";

/**
 * With PostgreSQL, index builds use its vector cache (a rebuild on any host embeds nothing
 * already embedded) and its advisory lock (one builder across hosts). If the database cannot
 * be reached, the build goes ahead with the files in DATA_DIR rather than not at all.
 */
export function indexOptionsFor(
  store: Store,
  dataDir: string,
  logger?: Logger,
): { lock?: BuildLock; openVectorCache?: (embedderId: string) => Promise<VectorCacheStore> } {
  if (!(store instanceof PostgresStore)) return {};
  return {
    lock: async () => {
      try {
        return await store.lock("kpo-index-build");
      } catch (error) {
        logger?.warn({ err: error }, "postgresql unreachable: building under the DATA_DIR lock instead");
        return fileBuildLock(dataDir)();
      }
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
