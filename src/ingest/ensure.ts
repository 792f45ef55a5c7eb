import type { Settings } from "../config/settings.ts";
import type { Embedder } from "../embed/embedder.ts";
import { IndexError } from "../errors.ts";
import { PIPELINE_VERSION } from "../index/manifest.ts";
import { loadIndex, readManifest, type LoadedIndex } from "../index/store.ts";
import { assertWritable, fileBuildLock, removeLeftovers, type BuildLock } from "../index/build-lock.ts";
import { corpusFingerprint, ingest, type IngestOptions } from "./pipeline.ts";

export interface EnsureIndexOptions extends IngestOptions {
  info?: (message: string) => void;
  /** Builds and publishes the index instead of ingesting in this process (a server builds in a child process); called under `lock`. */
  build?: () => Promise<unknown>;
  /** The build lock (PostgreSQL's advisory lock with DATABASE_URL); DATA_DIR/build.lock by default. */
  lock?: BuildLock;
  /** Loads the published index as it is, never building (a reload after another process published). */
  loadOnly?: boolean;
}

/** Why the index had to be (re)built, in words for the start-up log; undefined when it was current. */
export type RebuildReason = string | undefined;

async function rebuildReason(settings: Settings, embedder: Embedder): Promise<RebuildReason> {
  const manifest = await readManifest(settings.DATA_DIR);
  if (!manifest) return `no index in ${settings.DATA_DIR}; building it`;
  if (manifest.embedder.id !== embedder.id) return `the index was built with embedder ${manifest.embedder.id}, but EMBEDDINGS selects ${embedder.id}; rebuilding`;
  if (manifest.version !== PIPELINE_VERSION) return "the index was built by an older version of the pipeline; rebuilding";
  if (manifest.corpusHash !== (await corpusFingerprint(settings))) return "the corpus changed since the index was built; rebuilding";
  return undefined;
}

/**
 * Loads the index, building it first when there is none, when it was built by another
 * embedder or pipeline version, or when the corpus changed since it was built. Build once,
 * serve many: the build runs under a lock (DATA_DIR/build.lock, or PostgreSQL's advisory lock
 * when `lock` is given), and a process that waited for it loads what the holder published.
 * A current index is served even from a read-only DATA_DIR.
 */
export async function ensureIndex(
  settings: Settings,
  embedder: Embedder,
  options: EnsureIndexOptions = {},
): Promise<{ index: LoadedIndex; rebuilt: RebuildReason }> {
  if (options.loadOnly) {
    const index = await loadIndex(settings.DATA_DIR, embedder);
    if (!index) throw new IndexError(`no published index in ${settings.DATA_DIR}; run \`kpo ingest\``);
    return { index, rebuilt: undefined };
  }
  let reason = await rebuildReason(settings, embedder);
  if (reason) {
    await assertWritable(settings.DATA_DIR);
    // The one build lock (`kpo add`, `kpo ingest` and uploads take it too); `build` itself takes no lock.
    const release = await (options.lock ?? fileBuildLock(settings.DATA_DIR))();
    try {
      await removeLeftovers(settings.DATA_DIR);
      reason = await rebuildReason(settings, embedder); // another process may have built it while we waited
      if (reason) {
        options.info?.(reason);
        await (options.build ? options.build() : ingest(settings, embedder, options));
      } else {
        options.info?.("another process built the index while this one waited; loading it");
      }
    } finally {
      await release();
    }
  } else {
    await tidy(settings.DATA_DIR, options.info);
  }
  const index = await loadIndex(settings.DATA_DIR, embedder);
  if (!index) throw new Error(`index in ${settings.DATA_DIR} vanished after it was built`);
  return { index, rebuilt: reason };
}

/** Leftovers of a crashed ingest are removed at start when nobody is building (and DATA_DIR is writable). */
async function tidy(dataDir: string, info?: (message: string) => void): Promise<void> {
  let release: (() => Promise<void>) | undefined;
  try {
    release = await fileBuildLock(dataDir, { wait: false })();
  } catch {
    return; // read-only, or a build is running: leave everything as it is
  }
  try {
    const removed = await removeLeftovers(dataDir);
    if (removed.length) info?.(`removed ${removed.length} leftover(s) of an interrupted ingest: ${removed.map((r) => r.slice(dataDir.length + 1)).join(", ")}`);
  } finally {
    await release().catch(() => undefined);
  }
}
