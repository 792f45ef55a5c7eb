/**
 * Ingestion and search speed with the configured embedder, in one run, on a private copy of
 * DATA_DIR so the working index is untouched:
 *   cold ingest (empty vector cache), warm re-ingest (should embed nothing), index load,
 *   and in-process search latency p50/p99 over distinct queries; then documents added to a
 *   copy of the project (kpo add throughput, chunks/s) and the reload gap of a live server
 *   (scripts/bench-ingest-documents.ts).
 *
 *   npm run bench:ingest [-- --factor N] [--only scale]
 *
 * Then ingest on a synthetic corpus N times the real one (default 10): cold ingest with 1
 * embedding worker and with EMBED_WORKERS side by side, and one-file re-ingest
 * (scripts/bench-ingest-scale.ts). `--only scale` runs just that part.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadSettings } from "../src/config/settings.ts";
import { withQueryBatching } from "../src/embed/batching.ts";
import { createEmbedder } from "../src/embed/factory.ts";
import { table } from "../src/eval/format.ts";
import { loadQuestions } from "../src/eval/questions.ts";
import { loadIndex } from "../src/index/store.ts";
import { ingest } from "../src/ingest/pipeline.ts";
import { HybridRetriever } from "../src/retrieve/retriever.ts";
import { benchAddedDocuments } from "./bench-ingest-documents.ts";
import { benchIngestScale, ingestChild } from "./bench-ingest-scale.ts";

const args = process.argv.slice(2);
if (args[0] === "ingest-child") {
  await ingestChild();
}
const flag = (name: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const factor = Number(flag("factor") ?? 10);
if (!Number.isInteger(factor) || factor < 1) throw new Error(`--factor must be a whole number of at least 1, not ${flag("factor")}`);
if (flag("only") === "scale") {
  await benchIngestScale(factor, { cold: !args.includes("--no-cold") });
  process.exit(0);
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), "kpo-bench-ingest-"));
const settings = { ...loadSettings(), DATA_DIR: dataDir };
const embedder = withQueryBatching(createEmbedder(settings));
const ms = (from: number) => performance.now() - from;
const pct = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;

try {
  let t = performance.now();
  await embedder.embed(["warm up the model"]);
  const modelLoad = ms(t);

  t = performance.now();
  const cold = await ingest(settings, embedder);
  const coldMs = ms(t);

  t = performance.now();
  const warm = await ingest(settings, embedder);
  const warmMs = ms(t);

  t = performance.now();
  const index = (await loadIndex(dataDir, embedder))!;
  const loadMs = ms(t);

  const retriever = HybridRetriever.fromIndex(index, (q) => embedder.embedQuery(q), settings);
  const queries = (await loadQuestions("eval/dev.jsonl")).map((q) => q.question.slice(0, 300));
  const latencies: number[] = [];
  const lexical: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (const q of queries) {
      t = performance.now();
      await retriever.retrieve(q, { k: 10 });
      latencies.push(ms(t));
      t = performance.now();
      await retriever.retrieve(q, { k: 10, only: ["glossary", "bm25"] });
      lexical.push(ms(t));
    }
  }
  const f = (x: number) => x.toFixed(1);
  console.log(`Embedder ${embedder.id}; corpus: ${cold.documents} documents, ${cold.chunks} chunks, ${cold.glossary} glossary entries\n`);
  console.log(
    table(
      ["measure", "ms", "notes"],
      [
        ["model load + first embedding", f(modelLoad), ""],
        ["cold ingest", f(coldMs), `${cold.embedded} texts embedded (chunks and sentences)`],
        ["warm re-ingest", f(warmMs), `${warm.embedded} embedded, ${warm.reused} reused; ratio to cold ${(warmMs / coldMs).toFixed(3)}`],
        ["index load", f(loadMs), ""],
        ["search p50 (hybrid)", f(pct(latencies, 50)), `${latencies.length} searches over ${queries.length} distinct queries`],
        ["search p99 (hybrid)", f(pct(latencies, 99)), ""],
        ["search p50 (glossary + BM25, no embedding)", f(pct(lexical, 50)), `hybrid/lexical p50 ratio ${(pct(latencies, 50) / pct(lexical, 50)).toFixed(1)}x: the query embedding dominates`],
        ["search p99 (glossary + BM25, no embedding)", f(pct(lexical, 99)), ""],
      ],
      [false, true, false],
    ),
  );
  await benchAddedDocuments(settings, embedder, dataDir);
  await benchIngestScale(factor);
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
