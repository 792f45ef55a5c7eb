import { embedAll, type Embedder } from "../embed/embedder.ts";
import type { SentenceVectors } from "../index/sentence-vectors.ts";
import { sentenceEmbeddingText } from "../ingest/chunk.ts";
import type { Chunk } from "../schema/passage.ts";
import type { Retriever } from "./retriever.ts";

/**
 * Sentence vectors made when first needed. An index of a large corpus leaves its source
 * sentences unembedded (SENTENCE_VECTORS, src/ingest/pipeline.ts): the answer composer compares the
 * question with every sentence of the passages it is given, so before the passages a retrieval
 * returns reach it, the sentences among them that have no vector yet are embedded (in batches, by
 * the query embedder) and kept in the index's SentenceVectors, where the composer reads them as if
 * ingest had made them: the same text gives the same vector either way.
 */
export class SentenceVectorsOnDemand {
  private readonly firstRow = new Map<string, number>();
  private readonly byId = new Map<string, Chunk>();
  /** Rows being embedded now, so concurrent questions do not embed them twice. */
  private readonly inFlight = new Map<number, Promise<void>>();

  private readonly vectors: SentenceVectors;
  private readonly embedder: Embedder;

  constructor(chunks: readonly Chunk[], vectors: SentenceVectors, embedder: Embedder) {
    this.vectors = vectors;
    this.embedder = embedder;
    let row = 0;
    for (const chunk of chunks) {
      this.firstRow.set(chunk.id, row);
      this.byId.set(chunk.id, chunk);
      row += chunk.sentences.length;
    }
  }

  /** Embeds the sentences of these chunks that have no vector yet; resolves once all have one. */
  async ensure(chunkIds: Iterable<string>): Promise<void> {
    const rows: number[] = [];
    const texts: string[] = [];
    const waits: Promise<void>[] = [];
    for (const id of new Set(chunkIds)) {
      const chunk = this.byId.get(id);
      const first = this.firstRow.get(id);
      if (!chunk || first === undefined) continue;
      chunk.sentences.forEach((span, i) => {
        const row = first + i;
        const pending = this.inFlight.get(row);
        if (pending) waits.push(pending);
        else if (this.vectors.isMissing(row)) {
          rows.push(row);
          texts.push(sentenceEmbeddingText(chunk, span));
        }
      });
    }
    if (rows.length) {
      const embedding = embedAll(this.embedder, texts).then((vectors) => vectors.forEach((v, i) => this.vectors.set(rows[i]!, v)));
      const settled = embedding.finally(() => rows.forEach((row) => this.inFlight.delete(row)));
      rows.forEach((row) => this.inFlight.set(row, settled));
      waits.push(settled);
    }
    await Promise.all(waits);
  }

  /** The retriever whose passages come with their sentence vectors. */
  ready(retriever: Retriever): Retriever {
    return {
      retrieve: async (query, options) => {
        const passages = await retriever.retrieve(query, options);
        await this.ensure(passages.map((p) => p.id));
        return passages;
      },
    };
  }
}
