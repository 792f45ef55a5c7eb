import { z } from "zod";

export const passageKindSchema = z.enum(["text", "list", "comment", "glossary", "topic"]);

/** Character span of one sentence (or list item) inside the raw file. */
export const spanSchema = z.object({ start: z.number().int(), end: z.number().int() });
export type Span = z.infer<typeof spanSchema>;

/** A verbatim span of a source document supporting a topic claim: `raw.slice(start, end) === quote`. */
export const evidenceSchema = z.object({
  sourceId: z.string(),
  path: z.string(),
  title: z.string(),
  url: z.string().nullable(),
  section: z.array(z.string()),
  start: z.number().int(),
  end: z.number().int(),
  quote: z.string(),
});
export type Evidence = z.infer<typeof evidenceSchema>;

export const listTypeSchema = z.enum(["risks", "benefits", "examples"]);
export type ListType = z.infer<typeof listTypeSchema>;
export const workModelSchema = z.enum(["kpo", "bpo"]);
export type WorkModel = z.infer<typeof workModelSchema>;

/** What a topic chunk (one curated claim) carries besides its text. */
export const claimSchema = z.object({
  topic: z.string(),
  /** The note's position in its topic (0 = the note's lead claim). */
  position: z.number().int(),
  listType: listTypeSchema.optional(),
  /** For claims that classify kinds of work: which model the sources put that work with, and its names. */
  work: workModelSchema.optional(),
  tasks: z.array(z.string()).default([]),
  evidence: z.array(evidenceSchema).min(1),
});
export type Claim = z.infer<typeof claimSchema>;

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
  /** For PDF chunks: the page the chunk starts on and every page starting inside it (offsets into the file). */
  pages: z.array(z.object({ start: z.number().int(), page: z.number().int().min(1) })).optional(),
  /** For glossary chunks: the entry's slug. */
  term: z.string().optional(),
  /** For topic chunks: the claim's topic, tags and the source spans that support it. */
  claim: claimSchema.optional(),
});
export type Chunk = z.infer<typeof chunkSchema>;

/** The text of a span (absolute file offsets) taken from its chunk. */
export function spanText(chunk: Pick<Chunk, "text" | "start">, span: Span): string {
  return chunk.text.slice(span.start - chunk.start, span.end - chunk.start);
}

export const retrieverNameSchema = z.enum(["glossary", "dense", "bm25"]);
export type RetrieverName = z.infer<typeof retrieverNameSchema>;

/** Which retrievers a search runs: lexical (BM25 and the glossary's names), dense (embeddings), or both fused. */
export const searchModeSchema = z.enum(["lexical", "dense", "hybrid"]);
export type SearchMode = z.infer<typeof searchModeSchema>;

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
