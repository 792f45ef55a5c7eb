import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Settings } from "../config/settings.ts";
import { loadGlossary } from "../corpus/glossary.ts";
import { loadTopics } from "../corpus/topics.ts";
import { loadSourceDocuments, sha256, type RawDocument } from "../corpus/load.ts";
import { embedAll, type Embedder } from "../embed/embedder.ts";
import { lexicalDocuments } from "../index/lexical.ts";
import { PIPELINE_VERSION, type IndexManifest } from "../index/manifest.ts";
import { computeTermStats } from "../index/term-stats.ts";
import { writeIndex, type WriteOptions } from "../index/store.ts";
import { VectorCache, type VectorCacheStore } from "../index/vector-cache.ts";
import type { Chunk } from "../schema/passage.ts";
import type { SourceDetail } from "../schema/source.ts";
import { collapse } from "../corpus/formats/types.ts";
import { cleanDocument, type Block, type CleanOptions, type CleanResult } from "./clean.ts";
import { chunkDocument, embeddingText, glossaryChunk, sentenceEmbeddingText } from "./chunk.ts";
import { topicChunks } from "./topics.ts";
import { TOKEN_RULES } from "../text/terms.ts";

export type IngestPhase = "load" | "embed" | "write";
export interface IngestProgress {
  phase: IngestPhase;
  done: number;
  total: number;
}

/** A flagged sentence (it gives instructions) as `kpo ingest` lists it and the manifest keeps it. */
export type FlaggedPassage = IndexManifest["flagged"][number];

export interface IngestSummary {
  documents: number;
  chunks: number;
  glossary: number;
  embedded: number;
  reused: number;
  ms: number;
  indexDir: string;
  warnings: string[];
  /** Sentences that give instructions: left out of the index unless INCLUDE_FLAGGED_PASSAGES. */
  flagged: FlaggedPassage[];
}

export interface IngestOptions extends WriteOptions {
  onProgress?: (progress: IngestProgress) => void;
  /** Where embeddings are cached by content hash; defaults to the file cache in DATA_DIR. */
  openVectorCache?: (embedderId: string) => Promise<VectorCacheStore>;
  warn?: (message: string) => void;
}

/** A digest of every input that shapes the index, to tell a stale index from a current one. */
export async function corpusFingerprint(settings: Settings): Promise<string> {
  // TOKEN_RULES changes with the stopwords, normaliser or stemmer: BM25 and sentence terms depend on them.
  const parts: string[] = [`pipeline:${PIPELINE_VERSION}`, `tokens:${TOKEN_RULES}`, `comments:${settings.INCLUDE_COMMENTS}`, `flagged:${settings.INCLUDE_FLAGGED_PASSAGES}`];
  for (const sub of ["sources", "glossary", "topics"]) {
    const dir = path.join(settings.CORPUS_DIR, sub);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) parts.push(`${sub}/${name}:${sha256(await readFile(path.join(dir, name)).catch(() => Buffer.from("")))}`);
  }
  parts.push(`sources.json:${sha256(await readFile(path.join(settings.CORPUS_DIR, "sources.json")).catch(() => Buffer.from("")))}`);
  return sha256(parts.join("\n"));
}

/**
 * Cleans the document body only (Markdown front matter is metadata, not text), with offsets
 * into the whole file.
 */
export function cleanBody(doc: RawDocument, options: CleanOptions): CleanResult {
  if (doc.bodyStart === 0) return cleanDocument(doc.raw, options);
  const shift = <T extends { start: number; end: number }>(s: T): T => ({ ...s, start: s.start + doc.bodyStart, end: s.end + doc.bodyStart });
  const result = cleanDocument(doc.raw.slice(doc.bodyStart), options);
  return { blocks: result.blocks.map(shift), dropped: result.dropped.map(shift), flagged: result.flagged.map(shift) };
}

/** Share of the original's visible text that did not make it into the kept blocks. */
export function droppedShare(doc: RawDocument, blocks: Block[]): number {
  const kept = blocks.filter((b) => b.kind !== "heading").reduce((n, b) => n + collapse(b.text).length, 0);
  if (doc.visibleChars === 0) return 0;
  return Math.round(Math.min(1, Math.max(0, 1 - kept / doc.visibleChars)) * 1000) / 1000;
}

function sourceDetail(doc: RawDocument, chunks: Chunk[], blocks: Block[]): SourceDetail {
  const cleanedText = blocks.map((b) => (b.kind === "heading" ? `${"#".repeat(Math.min(b.level, 6))} ${b.text}` : b.text)).join("\n\n");
  return {
    id: doc.id,
    path: doc.path,
    originalPath: doc.originalPath,
    format: doc.format,
    title: doc.meta.title,
    publisher: doc.meta.publisher ?? null,
    url: doc.meta.url ?? null,
    kind: doc.meta.kind,
    chunks: chunks.length,
    characters: doc.raw.length,
    contentHash: doc.contentHash,
    droppedShare: droppedShare(doc, blocks),
    ...(doc.pages ? { pages: doc.pages.length } : {}),
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
  const topics = await loadTopics(settings.CORPUS_DIR, settings.rootDir);
  options.onProgress?.({ phase: "load", done: docs.length, total: docs.length });

  const chunks: Chunk[] = [];
  const sources: SourceDetail[] = [];
  const flagged: FlaggedPassage[] = [];
  for (const doc of docs) {
    const cleaned = cleanBody(doc, { includeComments: settings.INCLUDE_COMMENTS, includeFlagged: settings.INCLUDE_FLAGGED_PASSAGES });
    const { blocks } = cleaned;
    flagged.push(...cleaned.flagged.map((f) => ({ path: doc.path, start: f.start, end: f.end, rule: f.rule, text: doc.raw.slice(f.start, f.end) })));
    const docChunks = chunkDocument(doc, blocks);
    if (docChunks.length === 0) warn(`${doc.path}: no article text left after removing boilerplate; nothing indexed from it`);
    chunks.push(...docChunks);
    sources.push(sourceDetail(doc, docChunks, blocks));
  }
  const claims = topicChunks(topics, docs, chunks);
  chunks.push(...glossary.map(glossaryChunk), ...claims);

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
    counts: { documents: docs.length, chunks: chunks.length - glossary.length - claims.length, glossary: glossary.length, claims: claims.length },
    includeComments: settings.INCLUDE_COMMENTS,
    includeFlagged: settings.INCLUDE_FLAGGED_PASSAGES,
    flagged,
  };
  const aliases = new Map(glossary.map((g) => [g.slug, g.aliases]));
  // Cache first: if publishing fails, the next attempt still reuses these vectors.
  await cache.save([...chunks.map((c) => c.hash), ...sentenceHashes]);
  const indexDir = await writeIndex(
    settings.DATA_DIR,
    { manifest, chunks, glossary, sources, vectors, sentenceVectors, lexical: lexicalDocuments(chunks, aliases), termStats: computeTermStats(chunks) },
    embedder,
    { ...options, recallTarget: settings.HNSW_RECALL_TARGET },
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
    flagged,
  };
}
