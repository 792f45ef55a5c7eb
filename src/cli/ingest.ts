import type { Logger } from "pino";
import type { Settings } from "../config/settings.ts";
import { createEmbedder } from "../embed/factory.ts";
import { assertWritable, removeLeftovers } from "../index/build-lock.ts";
import { ingest, type FlaggedPassage } from "../ingest/pipeline.ts";
import { indexOptionsFromSettings } from "../store/index-options.ts";
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
  // Same rules as a start-up build: the one build lock (a `kpo add` or an upload waits for this
  // build), and PostgreSQL's vector cache when configured.
  const { lock, openVectorCache, close } = indexOptionsFromSettings(settings, ctx.logger);
  const release = await lock().catch(async (error: unknown) => {
    await close();
    throw error;
  });
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
    await close();
  }
  process.stdout.write(
    [
      `Indexed ${summary.documents} documents: ${summary.chunks} chunks + ${summary.glossary} glossary entries.`,
      `Embedded ${summary.embedded} texts, reused ${summary.reused} cached vectors (${embedder.id}).`,
      `Done in ${(summary.ms / 1000).toFixed(1)} s; index at ${summary.indexDir}`,
      ...flaggedReport(summary.flagged, settings.INCLUDE_FLAGGED_PASSAGES),
      "",
    ].join("\n"),
  );
}

/** The sentences that give instructions, one a line: file:start-end, the rule, the text. */
export function flaggedReport(flagged: FlaggedPassage[], included: boolean): string[] {
  if (flagged.length === 0) return [];
  const fate = included ? "indexed anyway (INCLUDE_FLAGGED_PASSAGES=true)" : "left out of the index and answers; INCLUDE_FLAGGED_PASSAGES=true keeps them";
  return [
    `Flagged ${flagged.length} passage${flagged.length === 1 ? "" : "s"} that give instructions (${fate}):`,
    ...flagged.map((f) => `  ${f.path}:${f.start}-${f.end}  ${f.rule}  ${JSON.stringify(f.text.length > 160 ? `${f.text.slice(0, 157)}...` : f.text)}`),
  ];
}
