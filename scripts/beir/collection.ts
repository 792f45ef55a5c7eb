import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * A BEIR test collection on disk: corpus.jsonl, queries (queries.<split>.jsonl or queries.jsonl)
 * and judgements (qrels/<split>.tsv: query-id, corpus-id, score, with a header line).
 */
export interface BeirCollection {
  docs: { id: string; title: string; text: string }[];
  /** The split's judged queries. */
  queries: { id: string; text: string }[];
  /** Relevant documents per query (score > 0; gains are binary). */
  relevant: Map<string, Set<string>>;
}

const jsonl = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

export function readBeir(dir: string, split: string): BeirCollection {
  const qrels = path.join(dir, "qrels", `${split}.tsv`);
  if (!existsSync(qrels)) throw new Error(`${qrels} does not exist: no judgements for the ${split} split in ${dir}`);
  const relevant = new Map<string, Set<string>>();
  for (const line of readFileSync(qrels, "utf8").trim().split("\n").slice(1)) {
    const [query, doc, score] = line.split("\t");
    if (Number(score) > 0) relevant.set(query!, (relevant.get(query!) ?? new Set()).add(doc!));
  }
  const ownQueries = path.join(dir, `queries.${split}.jsonl`);
  const queries = jsonl(existsSync(ownQueries) ? ownQueries : path.join(dir, "queries.jsonl"))
    .map((q) => ({ id: String(q._id), text: String(q.text) }))
    .filter((q) => relevant.has(q.id));
  const docs = jsonl(path.join(dir, "corpus.jsonl")).map((d) => ({ id: String(d._id), title: String(d.title ?? ""), text: String(d.text ?? "") }));
  return { docs, queries, relevant };
}

/** nDCG@k with binary gains and a log2 discount, the ideal DCG from the judgements (as BEIR's pytrec_eval). */
export function ndcgAt(k: number, ranked: string[], relevant: Set<string>): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((doc, i) => {
    if (relevant.has(doc)) dcg += 1 / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return ideal ? dcg / ideal : 0;
}

/** Share of the relevant documents among the first k. */
export function recallAt(k: number, ranked: string[], relevant: Set<string>): number {
  return ranked.slice(0, k).filter((d) => relevant.has(d)).length / relevant.size;
}
