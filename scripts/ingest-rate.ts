/**
 * Cold-ingest throughput of the checkout it is run from, to compare two commits on one corpus:
 *
 *   npm run bench:scale -- --factor 10            (or any run that generates .bench/scale/10x/corpus)
 *   cd ../other-checkout && CORPUS_DIR=<corpus> DATA_DIR=$(mktemp -d) EMBED_WORKERS=2 \
 *     node --import tsx /path/to/this/scripts/ingest-rate.ts
 *
 * It imports the pipeline from the current directory's `src/`, not from beside this file, so an
 * older commit measures its own code. Prints the texts embedded per second between the first
 * "embed" and the first "write" progress event, and the wall time of `ingest()`. Run the commits
 * alternately, each into an empty DATA_DIR: absolute figures move with the machine's load.
 */
import path from "node:path";

const root = process.cwd();
const { loadSettings } = (await import(path.join(root, "src/config/settings.ts"))) as typeof import("../src/config/settings.ts");
const { createEmbedder } = (await import(path.join(root, "src/embed/factory.ts"))) as typeof import("../src/embed/factory.ts");
const { ingest } = (await import(path.join(root, "src/ingest/pipeline.ts"))) as typeof import("../src/ingest/pipeline.ts");

const settings = loadSettings({ ...process.env, LOG_LEVEL: "silent" }, root);
const embedder = createEmbedder(settings);
let from: number | undefined;
let to: number | undefined;
const started = performance.now();
const summary = await ingest(settings, embedder, {
  onProgress: (p) => {
    if (p.phase === "embed") from ??= performance.now();
    if (p.phase === "write") to ??= performance.now();
  },
});
const seconds = ((to ?? performance.now()) - (from ?? started)) / 1000;
console.log(`${root}: embedded ${summary.embedded} texts in ${seconds.toFixed(1)} s = ${(summary.embedded / seconds).toFixed(1)} texts/s; ingest wall time ${((performance.now() - started) / 1000).toFixed(1)} s`);
process.exit(0);
