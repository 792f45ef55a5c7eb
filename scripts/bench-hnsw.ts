/**
 * HNSW recall@10 against exact search, per `ef`, on seeded random unit vectors: the figures that
 * chose the HNSW_EF default (the smallest ef with recall@10 >= 0.95 here). Random vectors are the
 * hard case for HNSW (every dimension matters), so the corpus's embeddings do at least as well.
 *
 *   npm run bench:hnsw -- [--count 20000] [--dimensions 512] [--queries 200] [--ef 10,60,100,200,400,800]
 */
import { Command } from "commander";
import { table } from "../src/eval/format.ts";
import { buildHnsw, measureRecall, randomUnitVectors } from "../src/index/hnsw-recall.ts";

const program = new Command()
  .name("bench:hnsw")
  .option("--count <n>", "vectors in the index", "20000")
  .option("--dimensions <n>", "dimensions per vector", "512")
  .option("--queries <n>", "query vectors (not in the index)", "200")
  .option("--ef <list>", "ef values to measure, comma-separated", "10,60,100,200,400,800")
  .parse();
const opts = program.opts<{ count: string; dimensions: string; queries: string; ef: string }>();
const count = Number(opts.count);
const dimensions = Number(opts.dimensions);
const efs = opts.ef.split(",").map(Number);

const vectors = randomUnitVectors(count, dimensions, 1);
const queries = randomUnitVectors(Number(opts.queries), dimensions, 2);
let started = performance.now();
const index = buildHnsw(vectors);
console.error(`built an HNSW index of ${count} x ${dimensions} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
started = performance.now();
const points = measureRecall(index, vectors, queries, efs, 10);
console.error(`measured in ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(
  table(
    ["ef", "recall@10", "ms/query"],
    points.map((p) => [String(p.ef), p.recall.toFixed(3), p.msPerQuery.toFixed(3)]),
  ),
);
const chosen = points.find((p) => p.recall >= 0.95);
console.log(`hnsw: ${count} x ${dimensions} · smallest ef with recall@10 >= 0.95: ${chosen ? `${chosen.ef} (${chosen.recall.toFixed(3)})` : "none measured"}`);
