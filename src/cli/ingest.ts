import type { Logger } from "pino";
import type { Settings } from "../config/settings.ts";
import { createEmbedder } from "../embed/factory.ts";
import { withIngestLock } from "../ingest/lock.ts";
import { ingest } from "../ingest/pipeline.ts";
import { readManifest } from "../index/store.ts";
import { embeddingProgressBar } from "./progress.ts";

export async function ingestCommand(ctx: { settings: Settings; logger: Logger }, opts: { progress: boolean }): Promise<void> {
  const { settings } = ctx;
  const embedder = createEmbedder(settings);
  const previous = await readManifest(settings.DATA_DIR);
  if (previous && previous.embedder.id !== embedder.id) {
    process.stderr.write(`The index was built with ${previous.embedder.id}; EMBEDDINGS now selects ${embedder.id}, so every chunk is embedded again.\n`);
  }
  const bar = embeddingProgressBar(opts.progress);
  // Under the ingest lock: a `kpo add` or an upload on the same DATA_DIR waits for this build.
  const summary = await withIngestLock(settings.DATA_DIR, () =>
    ingest(settings, embedder, {
      warn: (m) => process.stderr.write(`warning: ${m}\n`),
      onProgress: bar.onProgress,
    }),
  ).finally(bar.stop);
  process.stdout.write(
    [
      `Indexed ${summary.documents} documents: ${summary.chunks} chunks + ${summary.glossary} glossary entries.`,
      `Embedded ${summary.embedded} texts, reused ${summary.reused} cached vectors (${embedder.id}).`,
      `Done in ${(summary.ms / 1000).toFixed(1)} s; index at ${summary.indexDir}`,
      "",
    ].join("\n"),
  );
}
