import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Settings } from "../config/settings.ts";
import { extractLimits, formatOf, needsRendition } from "../corpus/formats/index.ts";
import { isEmptyDocument, listSourceFiles, loadSourcesMeta, MAX_SOURCE_BYTES, readSourceDocument, renditionFile, sha256, type RawDocument } from "../corpus/load.ts";
import { PIPELINE_VERSION } from "../index/manifest.ts";
import { countTerms, type TermCounts } from "../index/term-stats.ts";
import type { Chunk } from "../schema/passage.ts";
import { isWebCapture, type SourceDetail } from "../schema/source.ts";
import { TOKEN_RULES } from "../text/terms.ts";
import { chunkDocument, sentenceEmbeddingText } from "./chunk.ts";
import type { DocumentCache, ChunkedDocument } from "./document-cache.ts";
import { collapse } from "../corpus/formats/types.ts";
import type { IndexManifest } from "../index/manifest.ts";
import { cleanDocument, documentBlocks, type Block, type CleanOptions, type CleanResult } from "./clean.ts";

type FlaggedPassage = IndexManifest["flagged"][number];

export interface SourceChunks {
  chunks: Chunk[];
  /** The vector-cache key of every sentence of `chunks`, in order. */
  sentenceHashes: string[];
  sources: SourceDetail[];
  flagged: FlaggedPassage[];
  /** The raw text of the documents topic-note evidence quotes (checked against them); no others are kept. */
  quoted: RawDocument[];
  /** Ids of every indexed source document. */
  ids: string[];
  /** Documents cleaned and chunked in this run (the rest came from the document cache). */
  cleaned: number;
  /** Documents with at least one chunk in the index. */
  indexed: number;
  /** Each document's share of the term statistics, so only changed documents are recounted. */
  termCounts: TermCounts[];
}

/** The vector-cache key of a sentence's embedding text (chunks are keyed by Chunk.hash). */
export const sentenceHash = (text: string) => sha256(`sentence:${text}`);

/**
 * Reads, cleans and chunks the source documents one at a time, so the corpus's raw text is never
 * all in memory, and takes a document's chunks from the cache when its bytes, its sources.json
 * entry and the pipeline are unchanged (no extraction, cleaning or chunking then).
 */
export async function chunkSources(
  settings: Settings,
  cache: DocumentCache,
  options: {
    quotedIds: Set<string>;
    warn: (message: string) => void;
    onDocument?: (done: number, total: number) => void;
    /** SHA-256 of each source file's bytes by name, when the caller has just read them (corpusFingerprint). */
    knownHashes?: Map<string, string>;
    /** Called with each document cleaned and chunked in this run (the ones the document cache did not have). */
    onChunked?: (document: ChunkedDocument) => void;
  },
): Promise<SourceChunks> {
  const { CORPUS_DIR: corpusDir, rootDir } = settings;
  const { dir, names } = await listSourceFiles(corpusDir, rootDir, options.warn);
  const metas = await loadSourcesMeta(corpusDir, rootDir);
  const pipelineKey = JSON.stringify([PIPELINE_VERSION, TOKEN_RULES, settings.INCLUDE_COMMENTS, settings.INCLUDE_FLAGGED_PASSAGES]);
  const out: SourceChunks = { chunks: [], sentenceHashes: [], sources: [], flagged: [], quoted: [], ids: [], cleaned: 0, indexed: 0, termCounts: [] };
  const byHash = new Map<string, string>();
  const limits = extractLimits(settings);
  for (const [n, name] of names.entries()) {
    const file = path.join(dir, name);
    const rel = path.relative(rootDir, file);
    // Small enough to hash before extracting; a larger file goes to readSourceDocument, which says what is wrong.
    const hash = options.knownHashes?.get(name) ?? (((await stat(file).catch(() => undefined))?.size ?? Infinity) <= MAX_SOURCE_BYTES * 16 ? sha256(await readFile(file)) : undefined);
    const twin = hash && byHash.get(hash);
    if (twin) {
      options.warn(`${rel}: identical to ${twin}; skipped so passages are not indexed twice`);
      continue;
    }
    // The path is part of the key: chunks carry it into citations, so a corpus read from another folder is chunked again.
    const key = hash && sha256(JSON.stringify([pipelineKey, hash, metas.get(name) ?? null, rel]));
    let result: ChunkedDocument | undefined;
    const format = formatOf(name)!;
    const renditionKept = !needsRendition(format) || (await stat(renditionFile(corpusDir, name)).then(() => true, () => false));
    if (key && renditionKept) result = await cache.get(name, key);
    // Topic-note evidence is checked against the raw text of the documents it quotes.
    if (result && options.quotedIds.has(name)) out.quoted.push(await readSourceDocument(file, { corpusDir, rootDir, meta: metas.get(name), writeRendition: false, limits }));
    if (!result) {
      const doc = await readSourceDocument(file, { corpusDir, rootDir, meta: metas.get(name), limits });
      if (isEmptyDocument(doc)) {
        options.warn(`${rel}: is empty; skipped`);
        continue;
      }
      const twinOfRead = byHash.get(doc.contentHash);
      if (twinOfRead) {
        options.warn(`${rel}: identical to ${twinOfRead}; skipped so passages are not indexed twice`);
        continue;
      }
      const cleaned = cleanBody(doc, { includeComments: settings.INCLUDE_COMMENTS, includeFlagged: settings.INCLUDE_FLAGGED_PASSAGES });
      const chunks = chunkDocument(doc, cleaned.blocks);
      result = {
        chunks,
        sentenceHashes: chunks.flatMap((c) => c.sentences.map((span) => sentenceHash(sentenceEmbeddingText(c, span)))),
        source: sourceDetail(doc, chunks, cleaned.blocks),
        flagged: cleaned.flagged.map((f) => ({ path: doc.path, start: f.start, end: f.end, rule: f.rule, text: doc.raw.slice(f.start, f.end) })),
        termCounts: countTerms(chunks),
        warnings: cleaned.keptWhole ? [`${doc.path}: the web-page boilerplate rules would remove all of its text, so it is indexed whole; if it is not a web page, give it another kind in sources.json`] : [],
      };
      out.cleaned++;
      options.onChunked?.(result);
      if (options.quotedIds.has(name)) out.quoted.push(doc);
      if (key) await cache.set(name, key, result);
    }
    byHash.set(result.source.contentHash, rel);
    for (const warning of result.warnings ?? []) options.warn(warning);
    if (result.chunks.length === 0) options.warn(`${result.source.path}: no text left to index (only headings, or only sentences that give instructions); nothing indexed from it`);
    else out.indexed++;
    out.ids.push(name);
    out.chunks.push(...result.chunks);
    out.sentenceHashes.push(...result.sentenceHashes);
    out.sources.push(result.source);
    out.flagged.push(...result.flagged);
    out.termCounts.push(result.termCounts);
    options.onDocument?.(n + 1, names.length);
  }
  return out;
}

/**
 * Cleans the document body only (Markdown front matter is metadata, not text), with offsets
 * into the whole file. The web-page boilerplate rules apply to web captures only (isWebCapture);
 * a web capture they would empty entirely is kept whole instead (`keptWhole`, reported by the
 * caller), so no document vanishes because it does not look like a web page.
 */
export function cleanBody(doc: RawDocument, options: CleanOptions): CleanResult & { keptWhole: boolean } {
  const body = doc.raw.slice(doc.bodyStart);
  const shift = <T extends { start: number; end: number }>(s: T): T => ({ ...s, start: s.start + doc.bodyStart, end: s.end + doc.bodyStart });
  const shifted = (result: CleanResult): CleanResult =>
    doc.bodyStart === 0 ? result : { blocks: result.blocks.map(shift), dropped: result.dropped.map(shift), flagged: result.flagged.map(shift) };
  if (isWebCapture(doc.format, doc.meta.kind)) {
    const cleaned = cleanDocument(body, options);
    if (cleaned.blocks.some((b) => b.kind !== "heading") || !documentBlocks(body).blocks.some((b) => b.kind !== "heading")) return { ...shifted(cleaned), keptWhole: false };
    return { ...shifted(documentBlocks(body, options)), keptWhole: true };
  }
  return { ...shifted(documentBlocks(body, options)), keptWhole: false };
}

/** Share of the original's visible text that did not make it into the kept blocks. */
export function droppedShare(doc: RawDocument, blocks: Block[]): number {
  // visibleChars counts one space between blocks (collapse of the whole text): so does what is kept.
  const kept = blocks.reduce((n, b) => n + collapse(b.text).length, 0) + Math.max(0, blocks.length - 1);
  if (doc.visibleChars === 0) return 0;
  return Math.round(Math.min(1, Math.max(0, 1 - kept / doc.visibleChars)) * 1000) / 1000;
}

export function sourceDetail(doc: RawDocument, chunks: Chunk[], blocks: Block[]): SourceDetail {
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
