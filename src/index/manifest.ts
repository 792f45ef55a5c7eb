import { z } from "zod";

/** Bumped when cleaning, chunking or the index layout change, so old indexes are rebuilt. */
// 7: term statistics (terms.json), the HNSW ef measured per index (manifest.hnsw), and the lexical index is an SQLite FTS5 file (lexical.sqlite) instead of MiniSearch JSON (bm25.json).
// 8: the web-page boilerplate rules clean web captures only; other documents keep all their text.
export const PIPELINE_VERSION = 8;

export const indexManifestSchema = z.object({
  version: z.literal(PIPELINE_VERSION),
  createdAt: z.string(),
  embedder: z.object({ id: z.string(), dimensions: z.number().int().positive() }),
  /** Hash of every input that shapes the index: sources, sources.json, glossary, ingest settings. */
  corpusHash: z.string(),
  chunkHashes: z.array(z.string()),
  counts: z.object({ documents: z.number().int(), chunks: z.number().int(), glossary: z.number().int(), claims: z.number().int().default(0) }),
  includeComments: z.boolean(),
  /** Whether sentences that give instructions were indexed anyway (INCLUDE_FLAGGED_PASSAGES). */
  includeFlagged: z.boolean(),
  /** Every sentence of the sources that gives instructions (to an AI or the reader), with its file and offsets. */
  flagged: z.array(z.object({ path: z.string(), start: z.number().int(), end: z.number().int(), rule: z.string(), text: z.string() })),
  /** The HNSW search breadth this index measured for itself (src/index/hnsw-calibrate.ts). */
  hnsw: z.object({ ef: z.number().int().positive(), recall: z.number(), target: z.number(), vectors: z.number().int(), queries: z.number().int(), queryKind: z.string().optional() }).optional(),
});
export type IndexManifest = z.infer<typeof indexManifestSchema>;
