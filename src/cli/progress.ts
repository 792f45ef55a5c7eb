import { Presets, SingleBar } from "cli-progress";
import type { IngestProgress } from "../ingest/pipeline.ts";

/**
 * A progress bar for the embedding phase of an ingest (the only slow part), drawn on stderr
 * when it is a terminal. Used by `kpo ingest` and by `ask`/`search` when they must build the
 * index first, so a first run never sits silent for seconds.
 */
export function embeddingProgressBar(enabled = true): { onProgress: (p: IngestProgress) => void; stop: () => void } {
  const bar = new SingleBar(
    { format: "embedding |{bar}| {value}/{total} chunks and sentences | ETA {eta_formatted}", stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress(p) {
      if (!enabled || !process.stderr.isTTY || p.phase !== "embed" || p.total === 0) return;
      if (!started) {
        bar.start(p.total, 0);
        started = true;
      }
      bar.setTotal(p.total);
      bar.update(p.done);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
