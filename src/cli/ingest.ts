import { SingleBar, Presets } from "cli-progress";
import type { Logger } from "pino";
import type { Settings } from "../config/settings.ts";
import { createEmbedder } from "../embed/factory.ts";
import { ingest } from "../ingest/pipeline.ts";
import { readManifest } from "../index/store.ts";

export async function ingestCommand(ctx: { settings: Settings; logger: Logger }, opts: { progress: boolean }): Promise<void> {
  const { settings } = ctx;
  const embedder = createEmbedder(settings);
  const previous = await readManifest(settings.DATA_DIR);
  if (previous && previous.embedder.id !== embedder.id) {
    process.stderr.write(`The index was built with ${previous.embedder.id}; EMBEDDINGS now selects ${embedder.id}, so every chunk is embedded again.\n`);
  }
  const showBar = opts.progress && process.stderr.isTTY;
  const bar = new SingleBar({ format: "embedding |{bar}| {value}/{total} chunks and sentences | ETA {eta_formatted}", stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  let started = false;
  const summary = await ingest(settings, embedder, {
    warn: (m) => process.stderr.write(`warning: ${m}\n`),
    onProgress: (p) => {
      if (!showBar || p.phase !== "embed" || p.total === 0) return;
      if (!started) {
        bar.start(p.total, 0);
        started = true;
      }
      bar.setTotal(p.total);
      bar.update(p.done);
    },
  });
  if (started) bar.stop();
  process.stdout.write(
    [
      `Indexed ${summary.documents} documents: ${summary.chunks} chunks + ${summary.glossary} glossary entries.`,
      `Embedded ${summary.embedded} texts, reused ${summary.reused} cached vectors (${embedder.id}).`,
      `Done in ${(summary.ms / 1000).toFixed(1)} s; index at ${summary.indexDir}`,
      "",
    ].join("\n"),
  );
}
