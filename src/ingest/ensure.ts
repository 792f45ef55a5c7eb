import type { Settings } from "../config/settings.ts";
import type { Embedder } from "../embed/embedder.ts";
import { IndexError } from "../errors.ts";
import { PIPELINE_VERSION } from "../index/manifest.ts";
import { loadIndex, readManifest, type LoadedIndex } from "../index/store.ts";
import { corpusFingerprint, ingest, type IngestOptions } from "./pipeline.ts";

export interface EnsureIndexOptions extends IngestOptions {
  info?: (message: string) => void;
  /** Builds and publishes the index instead of ingesting in this process (a server builds in a child process). */
  build?: () => Promise<unknown>;
  /** Loads the published index as it is, never building (a reload after another process published). */
  loadOnly?: boolean;
}

/** Why the index had to be (re)built, in words for the start-up log; undefined when it was current. */
export type RebuildReason = string | undefined;

/**
 * Loads the index, building it first when there is none, when it was built by another
 * embedder or pipeline version, or when the corpus changed since it was built.
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
  const manifest = await readManifest(settings.DATA_DIR);
  let reason: RebuildReason;
  if (!manifest) reason = `no index in ${settings.DATA_DIR}; building it`;
  else if (manifest.embedder.id !== embedder.id)
    reason = `the index was built with embedder ${manifest.embedder.id}, but EMBEDDINGS selects ${embedder.id}; rebuilding`;
  else if (manifest.version !== PIPELINE_VERSION) reason = "the index was built by an older version of the pipeline; rebuilding";
  else if (manifest.corpusHash !== (await corpusFingerprint(settings))) reason = "the corpus changed since the index was built; rebuilding";
  if (reason) {
    options.info?.(reason);
    await (options.build ? options.build() : ingest(settings, embedder, options));
  }
  const index = await loadIndex(settings.DATA_DIR, embedder);
  if (!index) throw new Error(`index in ${settings.DATA_DIR} vanished after it was built`);
  return { index, rebuilt: reason };
}
