import type hnswlib from "hnswlib-node";

/**
 * HNSW's search breadth (`ef`) trades speed for recall, and the breadth a given recall needs
 * depends on the vectors and on the queries: random vectors need ~1200 for recall@10 0.95 at
 * 20,000, sentence embeddings far less, and a question lands between passages, where the graph
 * must look wider than for a sentence that sits next to its own chunk. So the index chooses its
 * own: after building, it searches with question-like queries (short texts drawn from the corpus,
 * src/ingest/calibration-queries.ts) and keeps the smallest ef whose recall@10 against exact
 * search meets the target.
 */
export interface EfCalibration {
  ef: number;
  /** recall@10 measured at that ef. */
  recall: number;
  target: number;
  /** Vectors in the index when it was measured. */
  vectors: number;
  queries: number;
  /** Which queries measured it: a figure measured with other (easier) queries is measured again. */
  queryKind?: string;
}

/** The queries calibrations are measured with now (sentence vectors before: they chose too small an ef). */
export const CALIBRATION_QUERY_KIND = "question-like-texts";

const EF_STEPS = [10, 20, 40, 60, 100, 150, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3200];
const K = 10;

function norm(v: ArrayLike<number>): number {
  let sum = 0;
  for (let d = 0; d < v.length; d++) sum += v[d]! * v[d]!;
  return Math.sqrt(sum) || 1;
}

/** Labels of the k rows closest to `query` by cosine, as the index's cosine space ranks them. */
function exactTopK(vectors: readonly ArrayLike<number>[], norms: Float64Array, query: ArrayLike<number>, k: number): number[] {
  const best: { id: number; dot: number }[] = [];
  for (let id = 0; id < vectors.length; id++) {
    const v = vectors[id]!;
    let dot = 0;
    for (let d = 0; d < v.length; d++) dot += v[d]! * query[d]!;
    dot /= norms[id]!;
    if (best.length === k && dot <= best[k - 1]!.dot) continue;
    let at = best.length === k ? k - 1 : best.length;
    if (best.length === k) best.pop();
    while (at > 0 && best[at - 1]!.dot < dot) at--;
    best.splice(at, 0, { id, dot });
  }
  return best.map((b) => b.id);
}

/**
 * The smallest ef in EF_STEPS whose recall@10 meets `target` (or the largest step measured).
 * `vectors[i]` must be the vector stored under label `labels[i]` (label i when not given; a
 * patched index has gaps where points were deleted).
 */
export function calibrateEf(index: hnswlib.HierarchicalNSW, vectors: readonly ArrayLike<number>[], queries: readonly ArrayLike<number>[], target: number, labels?: readonly number[]): EfCalibration {
  const k = Math.min(K, vectors.length);
  const base = { target, vectors: vectors.length, queries: queries.length };
  if (k === 0 || queries.length === 0) return { ef: EF_STEPS[0]!, recall: 1, ...base };
  const norms = Float64Array.from(vectors, norm);
  const truth = queries.map((q) => new Set(exactTopK(vectors, norms, q, k).map((row) => labels?.[row] ?? row)));
  const asArrays = queries.map((q) => Array.from(q));
  let last = { ef: EF_STEPS[0]!, recall: 0 };
  for (const ef of EF_STEPS) {
    index.setEf(ef);
    let found = 0;
    asArrays.forEach((q, i) => (found += index.searchKnn(q, k).neighbors.filter((n) => truth[i]!.has(n)).length));
    last = { ef, recall: found / (queries.length * k) };
    // Past the index's size every ef searches everything: no larger step can do better.
    if (last.recall >= target || ef >= vectors.length) break;
  }
  return { ...last, ...base };
}
