/**
 * Retrieval quality on an evaluation file (default eval/dev.jsonl): hit@1/3/5 and MRR over
 * the answerable questions, for BM25 only, dense only and hybrid, side by side in one run.
 * A hit is an expected source among the sources of the top k SOURCE passages (glossary
 * entries are not documents; several chunks of one document count once).
 *
 *   npm run bench:retrieval -- [--file eval/other.jsonl]
 */
import { Command } from "commander";
import { loadSettings } from "../src/config/settings.ts";
import { withQueryBatching } from "../src/embed/batching.ts";
import { createEmbedder } from "../src/embed/factory.ts";
import { loadQuestions } from "../src/eval/questions.ts";
import { isAnswerable, rankedSources } from "../src/eval/score.ts";
import { table } from "../src/eval/format.ts";
import { ensureIndex } from "../src/ingest/ensure.ts";
import { HybridRetriever } from "../src/retrieve/retriever.ts";
import type { RetrieverName } from "../src/schema/passage.ts";

const program = new Command()
  .name("bench:retrieval")
  .option("--file <path>", "question file (JSONL, eval/README.md format)", "eval/dev.jsonl")
  .parse();
const { file } = program.opts<{ file: string }>();

const settings = loadSettings();
const embedder = withQueryBatching(createEmbedder(settings));
const { index } = await ensureIndex(settings, embedder, { info: (m) => console.error(m) });
const retriever = HybridRetriever.fromIndex(index, (t) => embedder.embedQuery(t), settings);
const questions = (await loadQuestions(file)).filter(isAnswerable);

const configs: [string, RetrieverName[] | undefined][] = [
  ["bm25 only", ["bm25"]],
  ["dense only", ["dense"]],
  ["glossary + bm25", ["glossary", "bm25"]],
  ["hybrid", undefined],
];
const rows: string[][] = [];
const misses: string[] = [];
for (const [name, only] of configs) {
  let h1 = 0, h3 = 0, h5 = 0, mrr = 0;
  for (const q of questions) {
    const passages = await retriever.retrieve(q.question, { k: 40, only });
    const sources = rankedSources(passages);
    const rank = sources.findIndex((s) => q.expected_sources.includes(s)) + 1;
    if (rank === 1) h1++;
    if (rank >= 1 && rank <= 3) h3++;
    if (rank >= 1 && rank <= 5) h5++;
    if (rank >= 1) mrr += 1 / rank;
    if (name === "hybrid" && (rank === 0 || rank > 3)) misses.push(`${q.id} (rank ${rank || "none"}): ${q.question.slice(0, 80)}`);
  }
  const n = questions.length;
  const pct = (x: number) => `${((100 * x) / n).toFixed(1)}%`;
  rows.push([name, pct(h1), pct(h3), pct(h5), (mrr / n).toFixed(3)]);
}
console.log(`Retrieval on ${file}: ${questions.length} answerable questions (RRF k=${settings.RRF_K}, weights glossary ${settings.WEIGHT_GLOSSARY}, dense ${settings.WEIGHT_DENSE}, bm25 ${settings.WEIGHT_BM25})\n`);
console.log(table(["retriever", "hit@1", "hit@3", "hit@5", "MRR"], rows, [false, true, true, true, true]));
if (misses.length) console.log(`\nHybrid misses at 3:\n  ${misses.join("\n  ")}`);
