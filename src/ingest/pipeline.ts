import { readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { Settings } from "../config/settings.ts";
import { loadGlossary } from "../corpus/glossary.ts";
import { loadTopics } from "../corpus/topics.ts";
import { sha256 } from "../corpus/load.ts";
import type { Embedder } from "../embed/embedder.ts";
import { lexicalDocuments } from "../index/lexical.ts";
import { PIPELINE_VERSION, type IndexManifest } from "../index/manifest.ts";
import { countTerms, mergeTermCounts } from "../index/term-stats.ts";
import { writeIndex, type DenseContents, type WriteOptions } from "../index/store.ts";
import { VectorCache, type VectorCacheStore } from "../index/vector-cache.ts";
import { glossaryChunk, sentenceEmbeddingText } from "./chunk.ts";
import { computeDenseVectors, planDenseVectors } from "./dense-vectors.ts";
import { DocumentCache } from "./document-cache.ts";
import { IngestEmbedding } from "./ingest-embedding.ts";
import { chunkSources, sentenceHash } from "./source-chunks.ts";

export { cleanBody, droppedShare } from "./source-chunks.ts";
import { topicChunks } from "./topics.ts";
import { TOKEN_RULES } from "../text/terms.ts";

/** `add`: documents checked before they join the corpus (a bulk add); then the build's own phases. */
export type IngestPhase = "add" | "load" | "embed" | "write";
export interface IngestProgress {
  phase: IngestPhase;
  done: number;
  total: number;
}

/** A flagged sentence (it gives instructions) as `kpo ingest` lists it and the manifest keeps it. */
export type FlaggedPassage = IndexManifest["flagged"][number];

export interface IngestSummary {
  /** Source documents with text in the index (one left without any is named in `warnings`). */
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

/**
 * Below this many sentences in the source documents, SENTENCE_VECTORS=auto embeds them at ingest
 * (the KPO corpus: a few hundred, seconds); above it, when an answer first needs them: a sentence vector
 * costs an embedding each, and over 5,183 SciFact abstracts they were four fifths of an 18-minute
 * ingest, while an answer reads the sentences of 16 passages. Glossary and claim sentences, which
 * every answer scores, are always embedded at ingest.
 */
export const AUTO_SENTENCE_VECTORS_MAX = 20_000;

function sentencesAtIngest(settings: Pick<Settings, "SENTENCE_VECTORS">, sourceSentences: number): boolean {
  return settings.SENTENCE_VECTORS === "ingest" || (settings.SENTENCE_VECTORS === "auto" && sourceSentences <= AUTO_SENTENCE_VECTORS_MAX);
}

/** A digest of every input that shapes the index, to tell a stale index from a current one. */
export async function corpusFingerprint(settings: Settings, sourceHashes?: Map<string, string>): Promise<string> {
  // TOKEN_RULES changes with the stopwords, normaliser or stemmer: BM25 and sentence terms depend on them.
  const parts: string[] = [`pipeline:${PIPELINE_VERSION}`, `tokens:${TOKEN_RULES}`, `comments:${settings.INCLUDE_COMMENTS}`, `flagged:${settings.INCLUDE_FLAGGED_PASSAGES}`, `sentences:${settings.SENTENCE_VECTORS}`];
  for (const sub of ["sources", "glossary", "topics"]) {
    const dir = path.join(settings.CORPUS_DIR, sub);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      // Read synchronously: the promise API costs four thread-pool round trips per file, and this
      // reads every corpus file at each start and ingest (5,600 files: 812 ms async, 55 ms sync).
      const hash = sha256(readOrEmpty(path.join(dir, name)));
      if (sub === "sources") sourceHashes?.set(name, hash);
      parts.push(`${sub}/${name}:${hash}`);
    }
  }
  parts.push(`sources.json:${sha256(readOrEmpty(path.join(settings.CORPUS_DIR, "sources.json")))}`);
  return sha256(parts.join("\n"));
}

function readOrEmpty(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    return Buffer.from("");
  }
}

/**
 * corpus -> load -> clean -> chunk -> embed (content-hash cache) -> index, written aside and
 * swapped in atomically. Any corpus problem throws before anything is written. Documents are
 * read, cleaned and chunked one at a time (or taken from the document cache when unchanged);
 * texts without a cached vector are embedded on EMBED_WORKERS threads when the model computes
 * locally (the first worker starts as soon as a changed document brings new text), while this
 * thread writes the index files that need no vectors; vectors stay float32 rows from the model
 * to the index files.
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
  const embedding = new IngestEmbedding(settings, embedder);
  // Settled before this call returns, so no embedding or cache write outlives the ingest.
  let dense: Promise<DenseContents> | undefined;
  try {
    const cache = await (options.openVectorCache ?? ((id: string) => VectorCache.open(settings.DATA_DIR, id)))(embedder.id);
    step("open vector cache");
    const documentCache = await DocumentCache.open(settings.DATA_DIR);
    const sourced = await chunkSources(settings, documentCache, {
      quotedIds: new Set(topics.flatMap((t) => t.claims.flatMap((c) => c.evidence.map((e) => e.file)))),
      warn,
      knownHashes: sourceHashes,
      onDocument: (done, total) => options.onProgress?.({ phase: "load", done, total }),
      // A changed document with text the vector cache lacks: the model starts loading now.
      onChunked: (doc) => {
        if (doc.chunks.some((c) => !cache.get(c.hash)) || doc.sentenceHashes.some((h) => !cache.get(h))) embedding.anticipate();
      },
    });
    const { chunks, sources, flagged } = sourced;
    const sourceChunkCount = chunks.length;
    const glossary = await loadGlossary(settings.CORPUS_DIR, settings.rootDir, new Set(sourced.ids));
    const claims = topicChunks(topics, sourced.quoted, chunks);
    chunks.push(...glossary.map(glossaryChunk), ...claims);
    step("load + clean + chunk");

    const sourceSentences = sourced.sentenceHashes.length;
    const sentenceHashes = sourced.sentenceHashes;
    for (const c of chunks.slice(sourceChunkCount)) for (const span of c.sentences) sentenceHashes.push(sentenceHash(sentenceEmbeddingText(c, span)));
    const atIngest = sentencesAtIngest(settings, sourceSentences);
    const plan = planDenseVectors(chunks, sentenceHashes, cache, (c) => atIngest || c.kind === "glossary" || c.kind === "topic");
    const embedTotal = plan.missing.length;
    step("find texts to embed");

    // The vectors are computed while this thread prepares and writes the parts of the index that do not need them.
    const embedStart = performance.now();
    options.onProgress?.({ phase: "embed", done: 0, total: embedTotal });
    dense = computeDenseVectors(plan, { chunks, sentenceHashes }, cache, embedding, (done) => options.onProgress?.({ phase: "embed", done, total: embedTotal })).then((contents) => {
      options.onStep?.(`embed ${embedTotal} texts + save vector cache (beside the steps below)`, performance.now() - embedStart);
      options.onProgress?.({ phase: "write", done: 0, total: 1 });
      return contents;
    });
    dense.catch(() => undefined); // awaited by writeIndex; a failure there first must not leave it unhandled

    const manifest: IndexManifest = {
      version: PIPELINE_VERSION,
      createdAt: new Date().toISOString(),
      embedder: { id: embedder.id, dimensions: embedder.dimensions },
      corpusHash: fingerprint,
      chunkHashes: chunks.map((c) => c.hash),
      counts: { documents: sourced.indexed, chunks: chunks.length - glossary.length - claims.length, glossary: glossary.length, claims: claims.length },
      includeComments: settings.INCLUDE_COMMENTS,
      includeFlagged: settings.INCLUDE_FLAGGED_PASSAGES,
      flagged,
    };
    const aliases = new Map(glossary.map((g) => [g.slug, g.aliases]));
    const lexical = lexicalDocuments(chunks, aliases);
    // Documents bring their counts from the document cache; the glossary and the claims are counted each time.
    const termStats = mergeTermCounts([...sourced.termCounts, countTerms(chunks.slice(sourceChunkCount, sourceChunkCount + glossary.length))], countTerms(claims));
    step("lexical documents + term stats");
    const indexDir = await writeIndex(settings.DATA_DIR, { manifest, chunks, glossary, sources, dense, lexical, termStats }, embedder, {
      ...options,
      recallTarget: settings.HNSW_RECALL_TARGET,
      onStep: (name, ms) => options.onStep?.(`write: ${name}`, ms),
    });
    stepStart = performance.now();
    await documentCache.prune();
    step("prune document cache");
    options.onProgress?.({ phase: "write", done: 1, total: 1 });
    return {
      documents: sourced.indexed,
      chunks: manifest.counts.chunks,
      glossary: glossary.length,
      embedded: embedTotal,
      reused: chunks.length + sentenceHashes.length + plan.calibration.length - embedTotal,
      cleaned: sourced.cleaned,
      ms: Math.round(performance.now() - started),
      indexDir,
      warnings,
      flagged,
    };
  } finally {
    // Closing the pool first ends an embedding still running (a failed write), so waiting for it is short.
    await embedding.close();
    await dense?.catch(() => undefined);
  }
}
