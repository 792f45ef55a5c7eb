import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Settings } from "../config/settings.ts";
import { loadGlossary } from "../corpus/glossary.ts";
import { loadSourceDocuments, sha256, type RawDocument } from "../corpus/load.ts";
import { embedAll, type Embedder } from "../embed/embedder.ts";
import { buildBm25 } from "../index/bm25.ts";
import { PIPELINE_VERSION, type IndexManifest } from "../index/manifest.ts";
import { writeIndex, type WriteOptions } from "../index/store.ts";
import { VectorCache, type VectorCacheStore } from "../index/vector-cache.ts";
import type { Chunk } from "../schema/passage.ts";
import type { SourceDetail } from "../schema/source.ts";
import { cleanDocument } from "./clean.ts";
import { chunkDocument, embeddingText, glossaryChunk, sentenceEmbeddingText } from "./chunk.ts";

export type IngestPhase = "load" | "embed" | "write";
export interface IngestProgress {
  phase: IngestPhase;
  done: number;
  total: number;
}

export interface IngestSummary {
  documents: number;
  chunks: number;
  glossary: number;
  embedded: number;
  reused: number;
  ms: number;
  indexDir: string;
  warnings: string[];
}

export interface IngestOptions extends WriteOptions {
  onProgress?: (progress: IngestProgress) => void;
  /** Where embeddings are cached by content hash; defaults to the file cache in DATA_DIR. */
  openVectorCache?: (embedderId: string) => Promise<VectorCacheStore>;
  warn?: (message: string) => void;
}

/** A digest of every input that shapes the index, to tell a stale index from a current one. */
export async function corpusFingerprint(settings: Settings): Promise<string> {
  const parts: string[] = [`pipeline:${PIPELINE_VERSION}`, `comments:${settings.INCLUDE_COMMENTS}`];
  for (const sub of ["sources", "glossary"]) {
    const dir = path.join(settings.CORPUS_DIR, sub);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) parts.push(`${sub}/${name}:${sha256(await readFile(path.join(dir, name)).catch(() => Buffer.from("")))}`);
  }
  parts.push(`sources.json:${sha256(await readFile(path.join(settings.CORPUS_DIR, "sources.json")).catch(() => Buffer.from("")))}`);
  return sha256(parts.join("\n"));
}

function sourceDetail(doc: RawDocument, chunks: Chunk[], blocks: ReturnType<typeof cleanDocument>["blocks"]): SourceDetail {
  const cleanedText = blocks.map((b) => (b.kind === "heading" ? `${"#".repeat(Math.min(b.level, 6))} ${b.text}` : b.text)).join("\n\n");
  return {
    id: doc.id,
    path: doc.path,
    title: doc.meta.title,
    publisher: doc.meta.publisher ?? null,
    url: doc.meta.url ?? null,
    kind: doc.meta.kind,
    chunks: chunks.length,
    characters: doc.raw.length,
    contentHash: doc.contentHash,
    cleanedText,
    spans: blocks.map((b) => ({ start: b.start, end: b.end, kind: b.kind })),
  };
}

/**
 * corpus -> load -> clean -> chunk -> embed (content-hash cache) -> index, written aside and
 * swapped in atomically. Any corpus problem throws before anything is written.
 */
export async function ingest(settings: Settings, embedder: Embedder, options: IngestOptions = {}): Promise<IngestSummary> {
  const started = performance.now();
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    options.warn?.(m);
  };
  const fingerprint = await corpusFingerprint(settings);
  const docs = await loadSourceDocuments(settings.CORPUS_DIR, settings.rootDir, warn);
  const glossary = await loadGlossary(settings.CORPUS_DIR, settings.rootDir, new Set(docs.map((d) => d.id)));
  options.onProgress?.({ phase: "load", done: docs.length, total: docs.length });

  const chunks: Chunk[] = [];
  const sources: SourceDetail[] = [];
  for (const doc of docs) {
    const { blocks } = cleanDocument(doc.raw, { includeComments: settings.INCLUDE_COMMENTS });
    const docChunks = chunkDocument(doc, blocks);
    if (docChunks.length === 0) warn(`${doc.path}: no article text left after removing boilerplate; nothing indexed from it`);
    chunks.push(...docChunks);
    sources.push(sourceDetail(doc, docChunks, blocks));
  }
  chunks.push(...glossary.map(glossaryChunk));

  const cache = await (options.openVectorCache ?? ((id: string) => VectorCache.open(settings.DATA_DIR, id)))(embedder.id);
  const missing = [...new Map(chunks.filter((c) => !cache.get(c.hash)).map((c) => [c.hash, c])).values()];
  options.onProgress?.({ phase: "embed", done: 0, total: missing.length });
  const fresh = await embedAll(embedder, missing.map(embeddingText), (done) =>
    options.onProgress?.({ phase: "embed", done, total: missing.length }),
  );
  missing.forEach((c, i) => cache.set(c.hash, fresh[i]!));
  const vectors = chunks.map((c) => cache.get(c.hash)!);

  // Sentence vectors let the answer composer rank sentences by meaning at query time with a dot product.
  const sentenceTexts = chunks.flatMap((c) => c.sentences.map((span) => sentenceEmbeddingText(c, span)));
  const sentenceHashes = sentenceTexts.map((t) => sha256(`sentence:${t}`));
  const missingSentences = [...new Map(sentenceTexts.map((t, i) => [sentenceHashes[i]!, t] as const).filter(([h]) => !cache.get(h))).entries()];
  options.onProgress?.({ phase: "embed", done: missing.length, total: missing.length + missingSentences.length });
  const freshSentences = await embedAll(embedder, missingSentences.map(([, t]) => t), (done) =>
    options.onProgress?.({ phase: "embed", done: missing.length + done, total: missing.length + missingSentences.length }),
  );
  missingSentences.forEach(([h], i) => cache.set(h, freshSentences[i]!));
  const sentenceVectors = sentenceHashes.map((h) => cache.get(h)!);
  const dimensions = vectors[0]?.length ?? embedder.dimensions;

  options.onProgress?.({ phase: "write", done: 0, total: 1 });
  const manifest: IndexManifest = {
    version: PIPELINE_VERSION,
    createdAt: new Date().toISOString(),
    embedder: { id: embedder.id, dimensions },
    corpusHash: fingerprint,
    chunkHashes: chunks.map((c) => c.hash),
    counts: { documents: docs.length, chunks: chunks.length - glossary.length, glossary: glossary.length },
    includeComments: settings.INCLUDE_COMMENTS,
  };
  const aliases = new Map(glossary.map((g) => [g.slug, g.aliases]));
  // Cache first: if publishing fails, the next attempt still reuses these vectors.
  await cache.save([...chunks.map((c) => c.hash), ...sentenceHashes]);
  const indexDir = await writeIndex(
    settings.DATA_DIR,
    { manifest, chunks, glossary, sources, vectors, sentenceVectors, bm25: buildBm25(chunks, aliases) },
    embedder,
    options,
  );
  options.onProgress?.({ phase: "write", done: 1, total: 1 });
  return {
    documents: docs.length,
    chunks: manifest.counts.chunks,
    glossary: glossary.length,
    embedded: missing.length + missingSentences.length,
    reused: chunks.length + sentenceTexts.length - missing.length - missingSentences.length,
    ms: Math.round(performance.now() - started),
    indexDir,
    warnings,
  };
}
