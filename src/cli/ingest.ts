import type { Logger } from "pino";
import type { Settings } from "../config/settings.ts";
import { createEmbedder } from "../embed/factory.ts";
import { assertWritable, fileBuildLock, removeLeftovers } from "../ingest/build-lock.ts";
import { ingest } from "../ingest/pipeline.ts";
import { indexOptionsFor } from "../store/index-options.ts";
import { PostgresStore } from "../store/postgres.ts";
import { readManifest } from "../index/store.ts";
import { embeddingProgressBar } from "./progress.ts";

export async function ingestCommand(ctx: { settings: Settings; logger: Logger }, opts: { progress: boolean }): Promise<void> {
  const { settings } = ctx;
  const embedder = createEmbedder(settings);
  const previous = await readManifest(settings.DATA_DIR);
  if (previous && previous.embedder.id !== embedder.id) {
    process.stderr.write(`The index was built with ${previous.embedder.id}; EMBEDDINGS now selects ${embedder.id}, so every chunk is embedded again.\n`);
  }
  await assertWritable(settings.DATA_DIR);
  // Same rules as a start-up build: one builder at a time, and PostgreSQL's vector cache when configured.
  const store = settings.DATABASE_URL ? new PostgresStore(settings.DATABASE_URL, ctx.logger) : undefined;
  const { lock, openVectorCache } = store ? indexOptionsFor(store, settings.DATA_DIR, ctx.logger) : {};
  const release = await (lock ?? fileBuildLock(settings.DATA_DIR))();
  const bar = embeddingProgressBar(opts.progress);
  let summary;
  try {
    await removeLeftovers(settings.DATA_DIR);
    summary = await ingest(settings, embedder, {
      warn: (m) => process.stderr.write(`warning: ${m}\n`),
      onProgress: bar.onProgress,
      ...(openVectorCache ? { openVectorCache } : {}),
    }).finally(bar.stop);
  } finally {
    await release();
    await store?.close();
  }
  process.stdout.write(
    [
      `Indexed ${summary.documents} documents: ${summary.chunks} chunks + ${summary.glossary} glossary entries.`,
      `Embedded ${summary.embedded} texts, reused ${summary.reused} cached vectors (${embedder.id}).`,
      `Done in ${(summary.ms / 1000).toFixed(1)} s; index at ${summary.indexDir}`,
      "",
    ].join("\n"),
  );
}
