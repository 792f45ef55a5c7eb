import type { Logger } from "pino";
import type { Settings } from "../config/settings.ts";
import { createEmbedder } from "../embed/factory.ts";
import { withIngestLock } from "../ingest/lock.ts";
import { ingest, type FlaggedPassage } from "../ingest/pipeline.ts";
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
