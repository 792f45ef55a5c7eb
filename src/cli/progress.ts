import { Presets, SingleBar } from "cli-progress";
import type { IngestPhase, IngestProgress } from "../ingest/pipeline.ts";

/** What each phase counts, as the bar names it. */
const PHASES: Partial<Record<IngestPhase, string>> = {
  add: "checking documents",
  load: "cleaning and chunking documents",
  embed: "embedding chunks and sentences",
};

/**
 * A progress bar for the slow phases of an ingest (checking the documents of a bulk add, cleaning
 * and chunking, embedding), drawn on stderr when it is a terminal. Used by `kpo ingest`, `kpo add`
 * and by `ask`/`search` when they must build the index first, so a first run never sits silent.
 */
export function embeddingProgressBar(enabled = true): { onProgress: (p: IngestProgress) => void; stop: () => void } {
  const bar = new SingleBar(
    { format: "{phase} |{bar}| {value}/{total} | ETA {eta_formatted}", stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  let shown: IngestPhase | undefined;
  return {
    onProgress(p) {
      const label = PHASES[p.phase];
      if (!enabled || !process.stderr.isTTY || !label || p.total === 0) return;
      if (shown !== p.phase) {
        if (shown) bar.stop();
        bar.start(p.total, 0, { phase: label });
        shown = p.phase;
      }
      bar.setTotal(p.total);
      bar.update(p.done);
    },
    stop() {
      if (shown) bar.stop();
      shown = undefined;
    },
  };
}
