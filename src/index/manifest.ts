import { z } from "zod";

/** Bumped when cleaning, chunking or the index layout change, so old indexes are rebuilt. */
export const PIPELINE_VERSION = 4;

export const indexManifestSchema = z.object({
  version: z.literal(PIPELINE_VERSION),
  createdAt: z.string(),
  embedder: z.object({ id: z.string(), dimensions: z.number().int().positive() }),
  /** Hash of every input that shapes the index: sources, sources.json, glossary, ingest settings. */
  corpusHash: z.string(),
  chunkHashes: z.array(z.string()),
  counts: z.object({ documents: z.number().int(), chunks: z.number().int(), glossary: z.number().int() }),
  includeComments: z.boolean(),
});
export type IndexManifest = z.infer<typeof indexManifestSchema>;
