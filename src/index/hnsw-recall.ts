import hnswlib from "hnswlib-node";

/**
 * How well the HNSW index finds the true nearest neighbours: recall@k of its answers against
 * exact (brute-force) cosine search, for several `ef` values over one built index. Used by
 * `npm run bench:hnsw` to choose HNSW_EF and by the test that pins the default.
 */
export interface RecallPoint {
  ef: number;
  recall: number;
  /** Mean time of one searchKnn call, in ms. */
  msPerQuery: number;
}

/** Deterministic unit vectors (a seeded generator, so every run measures the same data). */
export function randomUnitVectors(count: number, dimensions: number, seed: number): Float32Array[] {
  let state = seed >>> 0 || 1;
  // xorshift32, mapped to a roughly normal value (sum of uniforms) so directions are spread evenly.
  const uniform = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return Array.from({ length: count }, () => {
    const v = new Float32Array(dimensions);
    let norm = 0;
    for (let d = 0; d < dimensions; d++) {
      v[d] = uniform() + uniform() + uniform() - 1.5;
      norm += v[d]! * v[d]!;
    }
    norm = Math.sqrt(norm);
    for (let d = 0; d < dimensions; d++) v[d]! /= norm;
    return v;
  });
}

/** The ids of the k vectors closest to `query` by cosine (all vectors are unit length). */
export function exactNearest(vectors: readonly Float32Array[], query: Float32Array, k: number): number[] {
  const scored = vectors.map((v, id) => {
    let dot = 0;
    for (let d = 0; d < v.length; d++) dot += v[d]! * query[d]!;
    return { id, dot };
  });
  scored.sort((a, b) => b.dot - a.dot);
  return scored.slice(0, k).map((s) => s.id);
}

/** An index built the way writeIndex builds one (LangChain's HNSWLib: cosine, hnswlib-node's defaults). */
export function buildHnsw(vectors: readonly Float32Array[]): hnswlib.HierarchicalNSW {
  const index = new hnswlib.HierarchicalNSW("cosine", vectors[0]!.length);
  index.initIndex(vectors.length);
  vectors.forEach((v, id) => index.addPoint(Array.from(v), id));
  return index;
}

export function measureRecall(index: hnswlib.HierarchicalNSW, vectors: readonly Float32Array[], queries: readonly Float32Array[], efs: readonly number[], k = 10): RecallPoint[] {
  const truth = queries.map((q) => new Set(exactNearest(vectors, q, k)));
  return efs.map((ef) => {
    index.setEf(ef);
    let found = 0;
    const started = performance.now();
    const answers = queries.map((q) => index.searchKnn(Array.from(q), k).neighbors);
    const msPerQuery = (performance.now() - started) / queries.length;
    answers.forEach((ids, i) => (found += ids.filter((id) => truth[i]!.has(id)).length));
    return { ef, recall: found / (queries.length * k), msPerQuery };
  });
}
