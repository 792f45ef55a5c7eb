import { readFileSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { IndexManifest } from "../index/manifest.ts";
import type { TermCounts } from "../index/term-stats.ts";
import type { Chunk } from "../schema/passage.ts";
import type { SourceDetail } from "../schema/source.ts";

/** What cleaning and chunking made of one source document. */
export interface ChunkedDocument {
  chunks: Chunk[];
  /** The vector-cache key of every sentence of `chunks`, in chunk and sentence order (see sentenceHash). */
  sentenceHashes: string[];
  source: SourceDetail;
  flagged: IndexManifest["flagged"];
  /** The document's share of the corpus's term statistics. */
  termCounts: TermCounts;
  /** What ingest reports about it each time (a web capture kept whole, say), naming the file. */
  warnings?: string[];
}

/**
 * Cleaned and chunked documents, one file per source in DATA_DIR/chunked/, each stamped with
 * the key it was made under (the file's bytes and path, its sources.json entry, the pipeline version and
 * the ingest settings): re-ingest after one changed file cleans and chunks that file only.
 * Written only by a builder holding the build lock; a file that cannot be read or was made
 * under another key is a miss (it costs time, never a wrong chunk).
 */
export class DocumentCache {
  private readonly used = new Set<string>();
  private readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  static async open(dataDir: string): Promise<DocumentCache> {
    const dir = path.join(dataDir, "chunked");
    await mkdir(dir, { recursive: true });
    return new DocumentCache(dir);
  }

  private file(sourceId: string): string {
    return path.join(this.dir, `${sourceId.replace(/[^a-zA-Z0-9._-]+/g, "_")}.json`);
  }

  async get(sourceId: string, key: string): Promise<ChunkedDocument | undefined> {
    this.used.add(path.basename(this.file(sourceId)));
    try {
      // Read synchronously: a re-ingest reads every document's entry, and the promise API's thread-pool
      // round trips cost more than the reads themselves (see corpusFingerprint).
      const entry = JSON.parse(readFileSync(this.file(sourceId), "utf8")) as ChunkedDocument & { key: string; sourceId: string };
      if (entry.key !== key || entry.sourceId !== sourceId) return undefined;
      if (!Array.isArray(entry.sentenceHashes) || !looksLikeTermCounts(entry.termCounts)) return undefined;
      return { chunks: entry.chunks, sentenceHashes: entry.sentenceHashes, source: entry.source, flagged: entry.flagged, termCounts: entry.termCounts, warnings: entry.warnings ?? [] };
    } catch {
      return undefined;
    }
  }

  async set(sourceId: string, key: string, value: ChunkedDocument): Promise<void> {
    this.used.add(path.basename(this.file(sourceId)));
    await writeFile(this.file(sourceId), JSON.stringify({ key, sourceId, ...value }));
  }

  /** Removes the entries of documents this build did not see (deleted or renamed sources). */
  async prune(): Promise<void> {
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (!this.used.has(name)) await rm(path.join(this.dir, name), { force: true });
    }
  }
}

/**
 * The shape of TermCounts, checked by hand rather than with termCountsSchema: an entry is this
 * code's own output under the same key, so this only tells an entry of an older cache layout
 * (one without term counts) from a current one; validating every count of every entry with zod
 * cost 50 ms of a 1 s re-ingest at 100x.
 */
function looksLikeTermCounts(value: unknown): value is TermCounts {
  const v = value as Partial<Record<keyof TermCounts, unknown>> | null;
  return typeof v === "object" && v !== null && typeof v.sentences === "number" && typeof v.df === "object" && Array.isArray(v.sectionTerms) && typeof v.surface === "object";
}
