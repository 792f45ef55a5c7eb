import type { DenseContents } from "../index/store.ts";
import type { VectorCacheStore } from "../index/vector-cache.ts";
import type { Chunk } from "../schema/passage.ts";
import { calibrationTexts, type CalibrationText } from "./calibration-queries.ts";
import { embeddingText, sentenceEmbeddingText } from "./chunk.ts";
import type { IngestEmbedding } from "./ingest-embedding.ts";

/** What an index's vectors need: the texts the vector cache lacks, and the calibration queries. */
export interface DensePlan {
  /** Vector-cache key and text of everything to embed: chunks and their sentences in one list, so the pool balances its batches over every worker. */
  missing: [hash: string, text: string][];
  /** Question-like texts, embedded with everything else (and cached), that the HNSW breadth is measured with. */
  calibration: CalibrationText[];
}

/**
 * `sentenceHashes` holds the key of every sentence of `chunks`, in chunk and sentence order. A
 * sentence of a chunk `sentencesAtIngest` turns down is not embedded (its vector is made when an
 * answer first needs it: src/retrieve/sentence-vectors-ready.ts), unless the cache has it already.
 */
export function planDenseVectors(chunks: readonly Chunk[], sentenceHashes: readonly string[], cache: VectorCacheStore, sentencesAtIngest: (chunk: Chunk) => boolean = () => true): DensePlan {
  const missing = new Map<string, string>();
  const sentences: { hash: string; text: () => string }[] = [];
  let at = 0;
  for (const c of chunks) {
    if (!cache.get(c.hash)) missing.set(c.hash, embeddingText(c));
    const embedSentences = sentencesAtIngest(c);
    for (const span of c.sentences) {
      const hash = sentenceHashes[at++]!;
      if (embedSentences && !cache.get(hash) && !missing.has(hash)) missing.set(hash, sentenceEmbeddingText(c, span));
      sentences.push({ hash, text: () => sentenceEmbeddingText(c, span) });
    }
  }
  const calibration = calibrationTexts(sentences);
  for (const q of calibration) if (!cache.get(q.hash)) missing.set(q.hash, q.text);
  return { missing: [...missing.entries()], calibration };
}

/**
 * Embeds what the plan lists, saves the vector cache (first: if publishing fails, the next
 * attempt still reuses these vectors), and returns the index's rows, all read from the cache.
 */
export async function computeDenseVectors(
  plan: DensePlan,
  index: { chunks: readonly Chunk[]; sentenceHashes: readonly string[] },
  cache: VectorCacheStore,
  embedding: IngestEmbedding,
  onBatch: (done: number) => void,
): Promise<DenseContents> {
  const fresh = await embedding.embed(
    plan.missing.map(([, text]) => text),
    onBatch,
  );
  plan.missing.forEach(([hash], i) => cache.set(hash, fresh.rows.subarray(i * fresh.dimensions, (i + 1) * fresh.dimensions)));
  const sentenceVectors = index.sentenceHashes.map((h) => cache.get(h));
  await cache.save([...index.chunks.map((c) => c.hash), ...index.sentenceHashes.filter((_, i) => sentenceVectors[i]), ...plan.calibration.map((q) => q.hash)]);
  const vectors = index.chunks.map((c) => cache.get(c.hash)!);
  return {
    vectors,
    sentenceVectors,
    calibrationQueries: plan.calibration.map((q) => cache.get(q.hash)!),
    dimensions: vectors[0]?.length ?? embedding.dimensions,
  };
}
