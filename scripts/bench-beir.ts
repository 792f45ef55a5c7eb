/**
 * Retrieval on a public benchmark nobody here wrote: a BEIR collection (e.g. SciFact) imported
 * through the project's own bulk import (`kpo add --jsonl`'s path: one Markdown document a record,
 * one index build), then queried through the real retriever per mode, against a textbook BM25
 * computed in the same run. Prints the import time, nDCG@10, Recall@100 and latency per mode.
 * A document's rank is the rank of its best passage.
 *
 *   npm run bench:beir -- --dir ../shared/ir/scifact [--split train|test] [--data DIR] [--queries N]
 *
 * --data keeps the imported index in DIR (and reuses it when it is there), so the queries can be
 * rerun without importing again; without it everything lives in a temp folder removed at the end.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Command, Option } from "commander";
import { BEIR_FIELDS, jsonlDocuments } from "../src/corpus/collection.ts";
import { safeSourceName } from "../src/corpus/library.ts";
import { loadSettings, type Settings } from "../src/config/settings.ts";
import { withQueryBatching } from "../src/embed/batching.ts";
import { createEmbedder } from "../src/embed/factory.ts";
import { table } from "../src/eval/format.ts";
import { DocumentService } from "../src/ingest/documents.ts";
import { ensureIndex } from "../src/ingest/ensure.ts";
import { ingest, type IngestPhase } from "../src/ingest/pipeline.ts";
import { HybridRetriever } from "../src/retrieve/retriever.ts";
import type { SearchMode } from "../src/schema/passage.ts";
import { bm25Baseline } from "./beir/bm25-baseline.ts";
import { ndcgAt, readBeir, recallAt } from "./beir/collection.ts";

const program = new Command()
  .name("bench:beir")
  .requiredOption("--dir <folder>", "the BEIR collection (corpus.jsonl, queries, qrels/)")
  .addOption(new Option("--split <split>", "which judgements to score").choices(["train", "dev", "test"]).default("train"))
  .option("--data <folder>", "keep the imported corpus and index here, and reuse them when present")
  .option("--queries <n>", "score only the first n judged queries", (v) => Number(v))
  .parse();
const opts = program.opts<{ dir: string; split: string; data?: string; queries?: number }>();

const collection = readBeir(opts.dir, opts.split);
const queries = opts.queries ? collection.queries.slice(0, opts.queries) : collection.queries;
const root = opts.data ? path.resolve(opts.data) : await mkdtemp(path.join(os.tmpdir(), "kpo-beir-"));
await mkdir(path.join(root, "corpus", "sources"), { recursive: true });
const settings: Settings = loadSettings({ ...process.env, CORPUS_DIR: path.join(root, "corpus"), DATA_DIR: path.join(root, "data"), LOG_LEVEL: "warn" }, root);
const embedder = withQueryBatching(createEmbedder(settings));
// Source ids are the documents' file names: "<id>.md", made safe.
const beirId = new Map(collection.docs.map((d) => [safeSourceName(`${d.id}.md`), d.id]));

try {
  const lines: string[] = [];
  if (!existsSync(path.join(settings.DATA_DIR, "CURRENT"))) {
    const docs = await jsonlDocuments(path.join(opts.dir, "corpus.jsonl"), BEIR_FIELDS);
    const phases = new Map<IngestPhase, number>();
    let phaseStart = performance.now();
    let phase: IngestPhase | undefined;
    const onProgress = (p: { phase: IngestPhase }) => {
      if (p.phase === phase) return;
      const now = performance.now();
      if (phase) phases.set(phase, now - phaseStart);
      phase = p.phase;
      phaseStart = now;
    };
    const started = performance.now();
    const service = new DocumentService(settings, (s) => ingest(s, embedder, { onProgress, warn: (m) => console.error(`warning: ${m}`) }));
    const report = await service.addMany(docs, onProgress);
    const ms = performance.now() - started;
    if (phase) phases.set(phase, performance.now() - phaseStart);
    const seconds = (x: number) => `${(x / 1000).toFixed(1)} s`;
    lines.push(
      `Imported ${docs.length} documents with one command (bulk add, one index build) in ${seconds(ms)} (${(docs.length / (ms / 1000)).toFixed(1)} documents/s): ` +
        `${report.ingest.documents} documents indexed, ${report.ingest.chunks} chunks, ${report.ingest.embedded} texts embedded.`,
      `  phases: ${[...phases].map(([p, t]) => `${p} ${seconds(t)}`).join(", ")}`,
      report.ingest.documents === docs.length ? "  no document lost" : `  ${docs.length - report.ingest.documents} documents have no text in the index`,
    );
  } else lines.push(`Reusing the index in ${settings.DATA_DIR}.`);

  const { index } = await ensureIndex(settings, embedder, { loadOnly: true });
  const retriever = HybridRetriever.fromIndex(index, (t) => embedder.embedQuery(t), settings);
  // Enough passages for 100 distinct documents.
  const depth = Math.max(100, Math.ceil((100 * index.chunks.length) / Math.max(1, index.sources.length)) + 50);
  const rows: string[][] = [];
  const measure = async (name: string, rank: (query: string) => Promise<string[]> | string[]) => {
    let ndcg = 0;
    let recall = 0;
    const latencies: number[] = [];
    for (const q of queries) {
      const started = performance.now();
      const ranked = await rank(q.text);
      latencies.push(performance.now() - started);
      const relevant = collection.relevant.get(q.id)!;
      ndcg += ndcgAt(10, ranked, relevant);
      recall += recallAt(100, ranked, relevant);
    }
    latencies.sort((a, b) => a - b);
    const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1);
    return { name, ndcg: ndcg / queries.length, recall: recall / queries.length, p50: at(0.5), p95: at(0.95) };
  };
  const baseline = bm25Baseline(collection.docs);
  const results = [await measure("BM25 baseline (flat, Porter, k1 0.9 b 0.4)", (q) => baseline.search(q, 100))];
  for (const mode of ["lexical", "dense", "hybrid"] as SearchMode[]) {
    results.push(
      await measure(`${mode}${mode === "hybrid" ? " (default)" : ""}`, async (q) => {
        const seen = new Set<string>();
        for (const p of await retriever.retrieve(q, { k: depth, mode })) seen.add(beirId.get(p.sourceId) ?? p.sourceId);
        return [...seen];
      }),
    );
  }
  const base = results[0]!;
  for (const r of results) rows.push([r.name, r.ndcg.toFixed(4), (r.ndcg / base.ndcg).toFixed(3), r.recall.toFixed(4), r.p50, r.p95]);
  lines.push(
    "",
    `${path.basename(path.resolve(opts.dir))}, ${opts.split} split: ${queries.length} judged queries over ${collection.docs.length} documents (FUSION=${settings.FUSION}, weights bm25 ${settings.WEIGHT_BM25}, dense ${settings.WEIGHT_DENSE})`,
    "",
    table(["retrieval", "nDCG@10", "vs BM25", "Recall@100", "p50 ms", "p95 ms"], rows, [false, true, true, true, true, true]),
  );
  console.log(lines.join("\n"));
  index.lexical.close();
} finally {
  await embedder.close?.();
  if (!opts.data) await rm(root, { recursive: true, force: true });
}
