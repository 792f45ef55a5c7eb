import { publishedIndexNameSync } from "../index/store.ts";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
/** Exit codes a shell reports for a process ended by each signal (128 + its number). */
const EXIT_CODES: Record<(typeof SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * For a command that changes the corpus and builds in its own process (`kpo add`, `kpo remove`):
 * until the index with the change is published, Ctrl-C (or SIGTERM, SIGHUP) puts the corpus back
 * as it was before exiting, so the next build never indexes a document whose add was
 * interrupted. Once DATA_DIR/CURRENT names a new index the change is live and is kept. Returns
 * the function that stands the guard down.
 */
export function undoUnlessPublished(change: { undoSync(): void }, dataDir: string): () => void {
  const published = publishedIndexNameSync(dataDir);
  const onSignal = (signal: (typeof SIGNALS)[number]) => {
    if (publishedIndexNameSync(dataDir) === published) change.undoSync();
    process.exit(EXIT_CODES[signal]);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
}
