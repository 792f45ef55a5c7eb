import { z } from "zod";

export const passageKindSchema = z.enum(["text", "list", "comment", "glossary"]);

/** Character span of one sentence (or list item) inside the raw file. */
export const spanSchema = z.object({ start: z.number().int(), end: z.number().int() });
export type Span = z.infer<typeof spanSchema>;

/**
 * A chunk: a contiguous slice of a raw file (`raw.slice(start, end) === text`) or a glossary
 * definition. Chunks are what the indexes store and retrieval returns.
 */
export const chunkSchema = z.object({
  id: z.string(),
  sourceId: z.string(),
  path: z.string(),
  title: z.string(),
  url: z.string().nullable(),
  section: z.array(z.string()),
  kind: passageKindSchema,
  text: z.string(),
  start: z.number().int(),
  end: z.number().int(),
  hash: z.string(),
  /** Sentences / list items with absolute offsets into the file, for extractive answers. */
  sentences: z.array(spanSchema),
  /** For glossary chunks: the entry's slug. */
  term: z.string().optional(),
});
export type Chunk = z.infer<typeof chunkSchema>;

export const retrieverNameSchema = z.enum(["glossary", "dense", "bm25"]);
export type RetrieverName = z.infer<typeof retrieverNameSchema>;

/** A retrieved chunk with its fused score and each retriever's rank (1-based) and raw score. */
export const searchHitSchema = chunkSchema.omit({ sentences: true, hash: true }).extend({
  score: z.number(),
  ranks: z.partialRecord(retrieverNameSchema, z.number().int()),
  scores: z.partialRecord(retrieverNameSchema, z.number()),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

/** A retrieved chunk as the answerers see it: the full chunk (with sentence spans) plus fusion details. */
export type Passage = Chunk & {
  score: number;
  ranks: Partial<Record<RetrieverName, number>>;
  scores: Partial<Record<RetrieverName, number>>;
};
