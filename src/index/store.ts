import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import { z } from "zod";
import type { Embedder } from "../embed/embedder.ts";
import { EmbedderAsLangChain } from "../embed/langchain.ts";
import { IndexError } from "../errors.ts";
import { chunkSchema, type Chunk } from "../schema/passage.ts";
import { glossaryEntrySchema, type GlossaryEntry } from "../schema/glossary.ts";
import { sourceDetailSchema, type SourceDetail } from "../schema/source.ts";
import type { LexicalDocument, LexicalIndex } from "./lexical.ts";
import { LEXICAL_FILE, writeLexicalIndex } from "./lexical-sqlite.ts";
import { openLexicalIndexInWorker } from "./lexical-worker.ts";
import { fsyncDir, writeFileAtomic } from "./files.ts";
import { writeHnsw, type HnswWriteReport } from "./hnsw-build.ts";
import { SENTENCE_VECTORS_FILE, SentenceVectors } from "./sentence-vectors.ts";
import { CALIBRATION_QUERY_KIND, calibrateEf, type EfCalibration } from "./hnsw-calibrate.ts";
import { indexManifestSchema, type IndexManifest } from "./manifest.ts";
import { termStatsSchema, type TermStats } from "./term-stats.ts";

/**
 * The persisted index lives in DATA_DIR/index-<id>/ and DATA_DIR/CURRENT names the live one.
 * A build writes a new directory aside, flushes it, then swaps CURRENT with an atomic
 * rename: a crash or Ctrl-C at any point leaves CURRENT naming a complete index.
 */

/** The index's vectors: what the embedding step produces. */
export interface DenseContents {
  /** One float32 row per chunk, in the order of chunks. */
  vectors: Float32Array[];
  /** One float32 row per sentence, in the order of chunks[].sentences[]; undefined for a sentence embedded when first needed. */
  sentenceVectors: (Float32Array | undefined)[];
  /** Embeddings of question-like texts (src/ingest/calibration-queries.ts) the HNSW breadth is measured with. */
  calibrationQueries: Float32Array[];
  /** What the manifest records (the rows' length; the embedder's declared size when there are none). */
  dimensions: number;
}

export interface IndexContents {
  manifest: IndexManifest;
  chunks: Chunk[];
  glossary: GlossaryEntry[];
  sources: SourceDetail[];
  /** May still be computing: the files that do not need vectors are written first, while it finishes. */
  dense: DenseContents | Promise<DenseContents>;
  /** What the lexical index holds of each chunk; written as an SQLite FTS5 file. */
  lexical: LexicalDocument[];
  termStats: TermStats;
}

export interface LoadedIndex {
  dir: string;
  manifest: IndexManifest;
  chunks: Chunk[];
  glossary: GlossaryEntry[];
  sources: SourceDetail[];
  hnsw: HNSWLib;
  lexical: LexicalIndex;
  /** One row per sentence, in the order of chunks[].sentences[]. */
  sentenceVectors: SentenceVectors;
  termStats: TermStats;
}

const CURRENT = "CURRENT";

export async function readManifest(dataDir: string): Promise<IndexManifest | undefined> {
  const dir = await currentDir(dataDir);
  if (!dir) return undefined;
  try {
    const parsed = indexManifestSchema.safeParse(JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The name of the published index directory (what DATA_DIR/CURRENT says), if any. */
export async function publishedIndexName(dataDir: string): Promise<string | undefined> {
  const dir = await currentDir(dataDir);
  return dir && path.basename(dir);
}

/** What DATA_DIR/CURRENT says right now, read synchronously (for a signal handler about to exit). */
export function publishedIndexNameSync(dataDir: string): string | undefined {
  try {
    return readFileSync(path.join(dataDir, CURRENT), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

async function currentDir(dataDir: string): Promise<string | undefined> {
  try {
    const name = (await readFile(path.join(dataDir, CURRENT), "utf8")).trim();
    return /^index-[\w-]+$/.test(name) ? path.join(dataDir, name) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The ef the new index searches with: measured on it, unless the published index measured the
 * same target on about as many vectors (within 10%), whose figure still holds.
 */
function hnswBreadth(previous: EfCalibration | undefined, graph: HnswWriteReport, dense: DenseContents, target: number): EfCalibration {
  const count = dense.vectors.length;
  if (previous && previous.queryKind === CALIBRATION_QUERY_KIND && previous.target === target && Math.abs(previous.vectors - count) <= 0.1 * previous.vectors) return previous;
  return { ...calibrateEf(graph.index, dense.vectors, dense.calibrationQueries, target, graph.labels), queryKind: CALIBRATION_QUERY_KIND };
}

export const DEFAULT_RECALL_TARGET = 0.95;

export interface WriteOptions {
  /** recall@10 the index's HNSW search breadth must reach (HNSW_RECALL_TARGET). */
  recallTarget?: number;
  /** Test seam: runs after the new index is fully written, just before it is published. */
  beforePublish?: () => Promise<void> | void;
  /** Milliseconds each write step took, for benchmarks. */
  onStep?: (step: string, ms: number) => void;
}

export async function writeIndex(dataDir: string, contents: IndexContents, embedder: Embedder, options: WriteOptions = {}): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  const name = `index-${new Date().toISOString().replace(/[:.]/g, "-")}-${randomBytes(3).toString("hex")}`;
  const building = path.join(dataDir, `.building-${name}`);
  try {
    await mkdir(building, { recursive: true });
    let stepStart = performance.now();
    const step = (name: string) => {
      const now = performance.now();
      options.onStep?.(name, now - stepStart);
      stepStart = now;
    };
    const previous = await currentDir(dataDir);
    const previousManifest = previous ? await readManifest(dataDir) : undefined;
    const reusable = previousManifest && previousManifest.embedder.id === embedder.id ? previous : undefined;
    await writeFile(path.join(building, "chunks.json"), JSON.stringify(contents.chunks));
    await writeFile(path.join(building, "glossary.json"), JSON.stringify(contents.glossary));
    await writeFile(path.join(building, "sources.json"), JSON.stringify(contents.sources));
    writeLexicalIndex(path.join(building, LEXICAL_FILE), contents.lexical);
    await writeFile(path.join(building, "terms.json"), JSON.stringify(contents.termStats));
    step("chunks, glossary, sources, lexical, terms");
    const dense = await contents.dense;
    step("wait for the vectors");
    const graph = await writeHnsw(
      building,
      contents.chunks.map((c, i) => ({ id: c.id, hash: c.hash, vector: dense.vectors[i]! })),
      dense.dimensions,
      reusable,
    );
    step(`hnsw (${graph.mode}: +${graph.added} -${graph.removed})`);
    const manifest: IndexManifest = {
      ...contents.manifest,
      embedder: { ...contents.manifest.embedder, dimensions: dense.dimensions },
      hnsw: hnswBreadth(previousManifest?.hnsw, graph, dense, options.recallTarget ?? DEFAULT_RECALL_TARGET),
    };
    step(`hnsw ef (${manifest.hnsw?.ef})`);
    await SentenceVectors.write(path.join(building, SENTENCE_VECTORS_FILE), dense.sentenceVectors, dense.dimensions);
    step(SENTENCE_VECTORS_FILE);
    // The manifest goes last: its presence marks a complete directory.
    await writeFile(path.join(building, "manifest.json"), JSON.stringify(manifest, null, 2));
    await fsyncDir(building);
    step("manifest + fsync");
    await options.beforePublish?.();
    await rename(building, path.join(dataDir, name));
    await writeFileAtomic(path.join(dataDir, CURRENT), `${name}\n`);
    step("publish");
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw new IndexError(`writing the index in ${dataDir} failed; the previous index is unchanged: ${(error as Error).message}`, { cause: error });
  }
  await removeStale(dataDir, name);
  return path.join(dataDir, name);
}

/** Old index directories and abandoned builds (a crash mid-ingest) are removed once a new index is live. */
async function removeStale(dataDir: string, keep: string): Promise<void> {
  for (const entry of await readdir(dataDir)) {
    if (entry !== keep && (entry.startsWith("index-") || entry.startsWith(".building-"))) {
      await rm(path.join(dataDir, entry), { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/**
 * Frees what a loaded index holds outside the JavaScript heap, once nothing searches it any more
 * (an index replaced by a live reload): the lexical search thread and its SQLite handle, and the
 * HNSW graph's native memory, which the garbage collector would otherwise free only whenever it
 * happens to collect the wrapper (it does not see the graph's size). The index is unusable after.
 */
export function releaseIndex(index: LoadedIndex): void {
  index.lexical.close();
  // hnswlib-node has no free(): a new one-element graph replaces (and deletes) the loaded one.
  index.hnsw._index?.initIndex(1);
}

export async function loadIndex(dataDir: string, embedder: Embedder): Promise<LoadedIndex | undefined> {
  const dir = await currentDir(dataDir);
  if (!dir) return undefined;
  try {
    const manifest = indexManifestSchema.parse(JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")));
    // The lexical index opens on its own thread (searches run there), alongside the rest.
    const lexicalOpening = openLexicalIndexInWorker(path.join(dir, LEXICAL_FILE));
    lexicalOpening.catch(() => undefined); // awaited below; a failure elsewhere first must not leave it unhandled
    const [chunks, glossary, sources, hnsw, termStats] = await Promise.all([
      readFile(path.join(dir, "chunks.json"), "utf8").then((t) => z.array(chunkSchema).parse(JSON.parse(t))),
      readFile(path.join(dir, "glossary.json"), "utf8").then((t) => z.array(glossaryEntrySchema).parse(JSON.parse(t))),
      readFile(path.join(dir, "sources.json"), "utf8").then((t) => z.array(sourceDetailSchema).parse(JSON.parse(t))),
      HNSWLib.load(dir, new EmbedderAsLangChain(embedder)),
      readFile(path.join(dir, "terms.json"), "utf8").then((t) => termStatsSchema.parse(JSON.parse(t))),
    ]);
    const sentenceCount = chunks.reduce((n, c) => n + c.sentences.length, 0);
    const sentenceVectors = await SentenceVectors.load(dir, manifest.embedder.dimensions, sentenceCount);
    const lexical = await lexicalOpening;
    if (lexical.size !== chunks.length) {
      lexical.close();
      throw new Error(`${LEXICAL_FILE} holds ${lexical.size} documents, chunks.json ${chunks.length}`);
    }
    return { dir, manifest, chunks, glossary, sources, hnsw, lexical, sentenceVectors, termStats };
  } catch (error) {
    throw new IndexError(`the index in ${dir} cannot be loaded (${(error as Error).message}); run \`kpo ingest\` to rebuild it`, { cause: error });
  }
}
