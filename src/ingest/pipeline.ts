import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Settings } from "../config/settings.ts";
import { loadGlossary } from "../corpus/glossary.ts";
import { loadTopics } from "../corpus/topics.ts";
import { sha256 } from "../corpus/load.ts";
import { embedRows, type Embedder, type VectorRows } from "../embed/embedder.ts";
import { EmbedWorkerPool } from "../embed/worker-pool.ts";
import { lexicalDocuments } from "../index/lexical.ts";
import { PIPELINE_VERSION, type IndexManifest } from "../index/manifest.ts";
import { countTerms, mergeTermCounts } from "../index/term-stats.ts";
import { writeIndex, type WriteOptions } from "../index/store.ts";
import { VectorCache, type VectorCacheStore } from "../index/vector-cache.ts";
import { embeddingText, glossaryChunk, sentenceEmbeddingText } from "./chunk.ts";
import { calibrationTexts } from "./calibration-queries.ts";
import { DocumentCache } from "./document-cache.ts";
import { chunkSources, sentenceHash } from "./source-chunks.ts";

export { cleanBody, droppedShare } from "./source-chunks.ts";
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
  /** Source documents cleaned and chunked in this run; the others' chunks came from the document cache. */
  cleaned: number;
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
  /** Milliseconds each step took, for benchmarks. */
  onStep?: (step: string, ms: number) => void;
}

/** A digest of every input that shapes the index, to tell a stale index from a current one. */
export async function corpusFingerprint(settings: Settings, sourceHashes?: Map<string, string>): Promise<string> {
  // TOKEN_RULES changes with the stopwords, normaliser or stemmer: BM25 and sentence terms depend on them.
  const parts: string[] = [`pipeline:${PIPELINE_VERSION}`, `tokens:${TOKEN_RULES}`, `comments:${settings.INCLUDE_COMMENTS}`, `flagged:${settings.INCLUDE_FLAGGED_PASSAGES}`];
  for (const sub of ["sources", "glossary", "topics"]) {
    const dir = path.join(settings.CORPUS_DIR, sub);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const hash = sha256(await readFile(path.join(dir, name)).catch(() => Buffer.from("")));
      if (sub === "sources") sourceHashes?.set(name, hash);
      parts.push(`${sub}/${name}:${hash}`);
    }
  }
  parts.push(`sources.json:${sha256(await readFile(path.join(settings.CORPUS_DIR, "sources.json")).catch(() => Buffer.from("")))}`);
  return sha256(parts.join("\n"));
}

/**
 * corpus -> load -> clean -> chunk -> embed (content-hash cache) -> index, written aside and
 * swapped in atomically. Any corpus problem throws before anything is written. Documents are
 * read, cleaned and chunked one at a time (or taken from the document cache when unchanged);
 * texts without a cached vector are embedded on EMBED_WORKERS threads when the model computes
 * locally; vectors stay float32 rows from the model to the index files.
 */
export async function ingest(settings: Settings, embedder: Embedder, options: IngestOptions = {}): Promise<IngestSummary> {
  const started = performance.now();
  let stepStart = started;
  const step = (name: string) => {
    const now = performance.now();
    options.onStep?.(name, now - stepStart);
    stepStart = now;
  };
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    options.warn?.(m);
  };
  const sourceHashes = new Map<string, string>();
  const fingerprint = await corpusFingerprint(settings, sourceHashes);
  const topics = await loadTopics(settings.CORPUS_DIR, settings.rootDir);
  step("fingerprint + topics");
  const documentCache = await DocumentCache.open(settings.DATA_DIR);
  const sourced = await chunkSources(settings, documentCache, {
    quotedIds: new Set(topics.flatMap((t) => t.claims.flatMap((c) => c.evidence.map((e) => e.file)))),
    warn,
    knownHashes: sourceHashes,
    onDocument: (done, total) => options.onProgress?.({ phase: "load", done, total }),
  });
  const { chunks, sources, flagged } = sourced;
  const sourceChunkCount = chunks.length;
  const glossary = await loadGlossary(settings.CORPUS_DIR, settings.rootDir, new Set(sourced.ids));
  const claims = topicChunks(topics, sourced.quoted, chunks);
  chunks.push(...glossary.map(glossaryChunk), ...claims);
  step("load + clean + chunk");

  const cache = await (options.openVectorCache ?? ((id: string) => VectorCache.open(settings.DATA_DIR, id)))(embedder.id);
  step("open vector cache");
  // Chunks and their sentences are embedded in one call: the pool balances its batches over every worker.
  const sentenceHashes = sourced.sentenceHashes;
  for (const c of chunks.slice(sourceChunkCount)) for (const span of c.sentences) sentenceHashes.push(sentenceHash(sentenceEmbeddingText(c, span)));
  const missing = new Map<string, string>();
  const sentences: { hash: string; text: () => string }[] = [];
  let at = 0;
  for (const c of chunks) {
    if (!cache.get(c.hash)) missing.set(c.hash, embeddingText(c));
    for (const span of c.sentences) {
      const hash = sentenceHashes[at++]!;
      if (!cache.get(hash) && !missing.has(hash)) missing.set(hash, sentenceEmbeddingText(c, span));
      sentences.push({ hash, text: () => sentenceEmbeddingText(c, span) });
    }
  }
  // Embedded with everything else (and cached): the queries the index measures its HNSW recall on.
  const calibration = calibrationTexts(sentences);
  for (const q of calibration) if (!cache.get(q.hash)) missing.set(q.hash, q.text);
  const todo = [...missing.entries()];
  options.onProgress?.({ phase: "embed", done: 0, total: todo.length });
  const fresh = await embedTexts(settings, embedder, todo.map(([, text]) => text), (done) => options.onProgress?.({ phase: "embed", done, total: todo.length }));
  todo.forEach(([hash], i) => cache.set(hash, fresh.rows.subarray(i * fresh.dimensions, (i + 1) * fresh.dimensions)));
  step(`embed ${todo.length} texts`);
  const vectors = chunks.map((c) => cache.get(c.hash)!);
  const sentenceVectors = sentenceHashes.map((h) => cache.get(h)!);
  const calibrationQueries = calibration.map((q) => cache.get(q.hash)!);
  const dimensions = vectors[0]?.length ?? embedder.dimensions;

  options.onProgress?.({ phase: "write", done: 0, total: 1 });
  const manifest: IndexManifest = {
    version: PIPELINE_VERSION,
    createdAt: new Date().toISOString(),
    embedder: { id: embedder.id, dimensions },
    corpusHash: fingerprint,
    chunkHashes: chunks.map((c) => c.hash),
    counts: { documents: sources.length, chunks: chunks.length - glossary.length - claims.length, glossary: glossary.length, claims: claims.length },
    includeComments: settings.INCLUDE_COMMENTS,
    includeFlagged: settings.INCLUDE_FLAGGED_PASSAGES,
    flagged,
  };
  const aliases = new Map(glossary.map((g) => [g.slug, g.aliases]));
  // Cache first: if publishing fails, the next attempt still reuses these vectors.
  await cache.save([...chunks.map((c) => c.hash), ...sentenceHashes, ...calibration.map((q) => q.hash)]);
  step("save vector cache");
  const lexical = lexicalDocuments(chunks, aliases);
  // Documents bring their counts from the document cache; the glossary and the claims are counted each time.
  const termStats = mergeTermCounts([...sourced.termCounts, countTerms(chunks.slice(sourceChunkCount, sourceChunkCount + glossary.length))], countTerms(claims));
  step("lexical documents + term stats");
  const indexDir = await writeIndex(settings.DATA_DIR, { manifest, chunks, glossary, sources, vectors, sentenceVectors, calibrationQueries, lexical, termStats }, embedder, {
    ...options,
    recallTarget: settings.HNSW_RECALL_TARGET,
    onStep: (name, ms) => options.onStep?.(`write: ${name}`, ms),
  });
  stepStart = performance.now();
  await documentCache.prune();
  step("prune document cache");
  options.onProgress?.({ phase: "write", done: 1, total: 1 });
  return {
    documents: sources.length,
    chunks: manifest.counts.chunks,
    glossary: glossary.length,
    embedded: todo.length,
    reused: chunks.length + sentenceHashes.length + calibration.length - todo.length,
    cleaned: sourced.cleaned,
    ms: Math.round(performance.now() - started),
    indexDir,
    warnings,
    flagged,
  };
}

/**
 * Below this many batches, starting worker threads (each loads the model: ~1.5 s against ~0.9 s
 * in this thread, measured) costs more than it saves: a one-file re-ingest embeds here.
 */
const MIN_BATCHES_FOR_WORKERS = 4;

/**
 * Embeds on EMBED_WORKERS worker threads when the embedder can run in one (a local model) and
 * there is enough to embed, else in this thread. The pool lives for this call only and is
 * closed whatever happens.
 */
async function embedTexts(settings: Settings, embedder: Embedder, texts: string[], onBatch: (done: number) => void): Promise<VectorRows> {
  if (texts.length === 0) return { rows: new Float32Array(0), dimensions: embedder.dimensions };
  const small = texts.length <= embedder.maxBatch * MIN_BATCHES_FOR_WORKERS;
  if (!embedder.inWorker || settings.EMBED_WORKERS === 0 || small) return embedRows(embedder, texts, onBatch);
  const workers = Math.min(settings.EMBED_WORKERS, Math.ceil(texts.length / embedder.maxBatch));
  const pool = EmbedWorkerPool.start(embedder.inWorker, workers, embedder.maxBatch);
  try {
    return await pool.embedAll(texts, onBatch);
  } finally {
    await pool.close();
  }
}
