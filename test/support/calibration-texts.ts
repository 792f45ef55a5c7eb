import { calibrationTexts } from "../../src/ingest/calibration-queries.ts";
import { sentenceEmbeddingText } from "../../src/ingest/chunk.ts";
import { sentenceHash } from "../../src/ingest/source-chunks.ts";
import type { Chunk } from "../../src/schema/passage.ts";

/** The question-like texts an ingest of these chunks embeds to measure its HNSW breadth, as the pipeline derives them. */
export function calibrationTextsOf(chunks: Chunk[]): string[] {
  const sentences = chunks.flatMap((c) =>
    c.sentences.map((span) => {
      const text = sentenceEmbeddingText(c, span);
      return { hash: sentenceHash(text), text: () => text };
    }),
  );
  return calibrationTexts(sentences).map((q) => q.text);
}
