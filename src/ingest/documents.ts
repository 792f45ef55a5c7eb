import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { Settings } from "../config/settings.ts";
import { extractLimits, formatOf, unsupportedMessage } from "../corpus/formats/index.ts";
import { planBatch, removeFromCorpus, type CorpusChange, type NewDocument } from "../corpus/library.ts";
import { sha256 } from "../corpus/load.ts";
import { CorpusError } from "../errors.ts";
import { sourceDetailSchema, type SourceInfo } from "../schema/source.ts";
import { fileBuildLock, withBuildLock, type BuildLock } from "../index/build-lock.ts";
import { undoUnlessPublished } from "./interrupt.ts";
import type { IngestProgress, IngestSummary } from "./pipeline.ts";

/** Builds and publishes the index for the corpus as it is now (in this process or a child). */
export type BuildIndex = (settings: Settings) => Promise<IngestSummary>;

export const documentStateSchema = z.object({
  id: z.string(),
  state: z.enum(["indexed", "pending", "failed", "unsupported"]),
  format: z.string().nullable(),
  title: z.string().nullable(),
  kind: z.string().nullable(),
  /** For a PDF: its pages with text. */
  pages: z.number().int().optional(),
  /** When the file was added (or last replaced): its modification time. */
  addedAt: z.string().optional(),
  /** What citations point at (the rendition for PDF, Word and HTML). */
  path: z.string().nullable(),
  originalPath: z.string().nullable(),
  chunks: z.number().int().nullable(),
  droppedShare: z.number().nullable(),
  error: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type DocumentState = z.infer<typeof documentStateSchema>;

export interface AddReport {
  source: SourceInfo;
  replaced: boolean;
  ingest: IngestSummary;
}

export interface AddManyReport {
  /** Each added document as published, in the order given. */
  sources: SourceInfo[];
  /** Per document: whether it replaced one of the same name. */
  replaced: boolean[];
  ingest: IngestSummary;
}

/**
 * Adds and removes documents: corpus change -> index build -> publish, under the build lock
 * (the one every index build takes; PostgreSQL's advisory lock as well with DATABASE_URL). If the build fails (a document that does not parse, a glossary entry that
 * cites a removed source), the corpus change is undone and the published index was never
 * touched, so nothing already indexed is lost.
 */
export class DocumentService {
  private readonly failures = new Map<string, { error: string; at: string }>();
  private readonly pending = new Set<string>();

  private readonly settings: Settings;
  private readonly build: BuildIndex;
  /** Called once a new index is published (the server swaps it in). */
  private readonly onPublished: () => Promise<void> | void;
  /** The build lock; `build` must not take it again (DATA_DIR/build.lock is not reentrant). */
  private readonly lock: BuildLock;
  private readonly options: { undoOnInterrupt?: boolean };

  constructor(
    settings: Settings,
    build: BuildIndex,
    onPublished: () => Promise<void> | void = () => {},
    lock: BuildLock = fileBuildLock(settings.DATA_DIR),
    /**
     * For a command that builds in its own process (`kpo add`, `kpo remove`): Ctrl-C before the
     * new index is published undoes the corpus change before exiting. A server handles its own
     * signals (it drains requests) and leaves this off.
     */
    options: { undoOnInterrupt?: boolean } = {},
  ) {
    this.settings = settings;
    this.build = build;
    this.onPublished = onPublished;
    this.lock = lock;
    this.options = options;
  }

  /** Stands a guard that undoes `change` on Ctrl-C until the build publishes, when asked to. */
  private guard(change: Pick<CorpusChange, "undoSync">): () => void {
    return this.options.undoOnInterrupt ? undoUnlessPublished(change, this.settings.DATA_DIR) : () => {};
  }

  async add(doc: NewDocument): Promise<AddReport> {
    const report = await this.addMany([doc]);
    return { source: report.sources[0]!, replaced: report.replaced[0]!, ingest: report.ingest };
  }

  /**
   * Adds several documents with one index build, published once: all of them or none (a document
   * that cannot be read refuses the batch before anything is written; a failed build undoes it).
   */
  async addMany(docs: NewDocument[], onProgress?: (progress: IngestProgress) => void): Promise<AddManyReport> {
    const { CORPUS_DIR, rootDir } = this.settings;
    return withBuildLock(this.lock, async () => {
      let batch;
      try {
        batch = await planBatch(CORPUS_DIR, rootDir, docs, (done, total) => onProgress?.({ phase: "add", done, total }), extractLimits(this.settings));
      } catch (error) {
        // The document the refusal names (the first problem of a batch), listed as failed by GET /v1/documents.
        this.fail(error instanceof CorpusError ? path.basename(error.file) : docs[0]!.name, error);
        throw error;
      }
      const ids = batch.added.map((a) => a.id);
      // Guarded before the first byte is written: an interrupt during the writes undoes them too.
      const standDown = this.guard(batch);
      for (const id of ids) this.pending.add(id);
      try {
        await batch.apply();
        const summary = await this.build(this.settings);
        for (const id of ids) this.failures.delete(id);
        const published = new Map((await publishedSources(summary.indexDir)).map((s) => [s.id, s]));
        await this.onPublished();
        return { sources: ids.map((id) => published.get(id)!), replaced: batch.added.map((a) => a.replaced), ingest: summary };
      } catch (error) {
        await batch.undo();
        for (const id of ids) this.fail(id, error);
        throw error;
      } finally {
        standDown();
        for (const id of ids) this.pending.delete(id);
      }
    });
  }

  async remove(id: string): Promise<{ id: string; ingest: IngestSummary }> {
    const { CORPUS_DIR, rootDir } = this.settings;
    return withBuildLock(this.lock, async () => {
      const change = await removeFromCorpus(CORPUS_DIR, rootDir, id);
      const standDown = this.guard(change);
      this.pending.add(id);
      try {
        const summary = await this.build(this.settings);
        await this.onPublished();
        await change.removeRendition();
        this.failures.delete(id);
        return { id, ingest: summary };
      } catch (error) {
        await change.undo();
        throw error;
      } finally {
        standDown();
        this.pending.delete(id);
      }
    });
  }

  /** Every file in corpus/sources with its ingest state against the live index, plus recent failures. */
  async list(live: SourceInfo[]): Promise<DocumentState[]> {
    const dir = path.join(this.settings.CORPUS_DIR, "sources");
    const names = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isFile() && !e.name.startsWith(".")).map((e) => e.name).sort();
    const byId = new Map(live.map((s) => [s.id, s]));
    const rows: DocumentState[] = [];
    for (const name of names) {
      const format = formatOf(name);
      const addedAt = await stat(path.join(dir, name)).then((s) => s.mtime.toISOString(), () => undefined);
      if (!format) {
        rows.push({ id: name, state: "unsupported", format: null, title: null, kind: null, path: null, originalPath: null, chunks: null, droppedShare: null, error: unsupportedMessage(name), ...(addedAt ? { addedAt } : {}) });
        continue;
      }
      const source = byId.get(name);
      const current = source && source.contentHash === sha256(await readFile(path.join(dir, name)).catch(() => Buffer.from("")));
      rows.push({
        id: name,
        state: current && !this.pending.has(name) ? "indexed" : "pending",
        format,
        title: source?.title ?? null,
        kind: source?.kind ?? null,
        ...(source?.pages ? { pages: source.pages } : {}),
        ...(addedAt ? { addedAt } : {}),
        path: source?.path ?? null,
        originalPath: source?.originalPath ?? null,
        chunks: source?.chunks ?? null,
        droppedShare: source?.droppedShare ?? null,
      });
    }
    for (const [id, failure] of this.failures) {
      if (!names.includes(id)) rows.push({ id, state: "failed", format: formatOf(id) ?? null, title: null, kind: null, path: null, originalPath: null, chunks: null, droppedShare: null, error: failure.error, updatedAt: failure.at });
    }
    return rows;
  }

  private fail(name: string, error: unknown): void {
    this.failures.set(name, { error: (error as Error).message, at: new Date().toISOString() });
    // Bounded: only the latest failures are worth showing.
    if (this.failures.size > 50) this.failures.delete(this.failures.keys().next().value!);
  }
}

async function publishedSources(indexDir: string): Promise<SourceInfo[]> {
  const sources = z.array(sourceDetailSchema).parse(JSON.parse(await readFile(path.join(indexDir, "sources.json"), "utf8")));
  return sources.map(({ cleanedText: _t, spans: _s, ...info }) => info);
}
