import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { CorpusError } from "../errors.ts";
import { writeFileAtomic } from "../index/files.ts";
import { sourceMetaSchema, type SourceMeta } from "../schema/source.ts";
import { DEFAULT_EXTRACT_LIMITS, formatOf, needsRendition, readDocument, unsupportedMessage, type Extracted, type ExtractLimits, type Format } from "./formats/index.ts";
import { decodeUtf8 } from "./formats/utf8.ts";
import { MAX_ORIGINAL_BYTES, MAX_SOURCE_BYTES, renditionFile, sha256 } from "./load.ts";
import { removeSourceEntry, upsertSourceEntry } from "./sources-json.ts";
import { splitSiteSuffix } from "./title.ts";

/**
 * Adding and removing source documents: the file in corpus/sources/ and its entry in
 * corpus/sources.json. Each change returns an `undo` that puts both back exactly as they
 * were, so a document that then fails to ingest leaves the corpus as it found it.
 */

export interface NewDocument {
  /** File name as uploaded or derived from a URL; it becomes the source id (made safe first). */
  name: string;
  bytes: Buffer;
  title?: string;
  url?: string;
}

export interface CorpusChange {
  id: string;
  format: Format;
  /** True when a document of that name was already there (it is replaced). */
  replaced: boolean;
  meta: SourceMeta;
  undo(): Promise<void>;
  /**
   * The same, synchronously, for a signal handler that must finish before the process exits
   * (`kpo add` interrupted): it also removes what a write of this process left half done.
   */
  undoSync(): void;
}

/** Longest source id in UTF-8 bytes: file systems allow 255, and the rendition adds ".txt". */
const MAX_NAME_BYTES = 200;

/**
 * A source id that is safe as a file name: the name's last path segment in Unicode NFC, letters,
 * marks and digits of any script kept ("ünïcödé-文档.txt" stays as it is), anything else (path
 * separators, control and format characters, spaces, punctuation) turned into "-", cut at
 * MAX_NAME_BYTES on a character boundary. URLs carry it percent-encoded.
 */
export function safeSourceName(name: string): string {
  const base = path.basename(name.normalize("NFC").replace(/\\/g, "/"));
  const ext = path.extname(base).toLowerCase().replace(/[^\p{L}\p{N}.]+/gu, "");
  const chars = [...base.slice(0, base.length - path.extname(base).length).replace(/[^\p{L}\p{M}\p{N}_.-]+/gu, "-").replace(/^[-.]+|[-.]+$/g, "")];
  for (let bytes = Buffer.byteLength(chars.join("") + ext); bytes > MAX_NAME_BYTES; ) bytes -= Buffer.byteLength(chars.pop()!);
  return `${chars.join("") || "document"}${ext}`;
}

const sourcesJsonPath = (corpusDir: string) => path.join(corpusDir, "sources.json");

/** sources.json as written, so entries other than the one changed keep their exact form. */
async function readEntries(corpusDir: string, rootDir: string): Promise<{ text: string | undefined; entries: Record<string, unknown>[] }> {
  const file = sourcesJsonPath(corpusDir);
  let text: string | undefined;
  try {
    text = decodeUtf8(await readFile(file), path.relative(rootDir, file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (text === undefined) return { text, entries: [] };
  const json: unknown = JSON.parse(text);
  if (!Array.isArray(json)) throw new CorpusError(path.relative(rootDir, file), "must be a JSON array of source entries");
  return { text, entries: json as Record<string, unknown>[] };
}

/** Puts `file` back as it was (absent when `previous` is undefined), and drops this process's temp files for it (writeFileAtomic's). */
function restoreFile(file: string, previous: Buffer | string | undefined): void {
  if (previous === undefined) rmSync(file, { force: true });
  else writeFileSync(file, previous);
  const temp = `${path.basename(file)}.${process.pid}.`;
  for (const name of readdirSync(path.dirname(file))) if (name.startsWith(temp) && name.endsWith(".tmp")) rmSync(path.join(path.dirname(file), name), { force: true });
}

/** Checks that the bytes are a readable document of the format its name says, within `limits`, before anything is written. */
export async function validateDocument(id: string, bytes: Buffer, rel: string, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS): Promise<{ format: Format; extracted: Extracted }> {
  const format = formatOf(id);
  if (!format) throw new CorpusError(rel, unsupportedMessage(id));
  const limit = needsRendition(format) ? MAX_ORIGINAL_BYTES : MAX_SOURCE_BYTES;
  if (bytes.length > limit) throw new CorpusError(rel, `is ${(bytes.length / 1024 / 1024).toFixed(1)} MB, over the ${limit / 1024 / 1024} MB limit for one ${format} document`);
  const extracted = await readDocument(format, bytes, rel, limits);
  if (!extracted.text.slice(extracted.bodyStart).trim()) throw new CorpusError(rel, "is empty");
  return { format, extracted };
}

/** Several documents added as one change: each one's id, format, metadata and whether it replaced a document. */
export interface CorpusBatch {
  added: Omit<CorpusChange, "undo" | "undoSync">[];
  undo(): Promise<void>;
  undoSync(): void;
}

/** A batch checked and ready: nothing is written until `apply`, and `undo` is right before, during and after it. */
export type PlannedBatch = CorpusBatch & { apply(): Promise<void> };

/** Files of a batch written (and flushed) this many at a time. */
const WRITE_CONCURRENCY = 16;

/** How many problems a refused batch names (the rest are counted). */
const PROBLEMS_NAMED = 5;

export async function addToCorpus(corpusDir: string, rootDir: string, doc: NewDocument, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS): Promise<CorpusChange> {
  const { added, undo, undoSync } = await addManyToCorpus(corpusDir, rootDir, [doc], undefined, limits);
  return { ...added[0]!, undo, undoSync };
}

/**
 * Adds documents to corpus/sources/ with their sources.json entries, all or none: every document is
 * read and checked first (format, size, text, a duplicate of a document in the corpus or of another
 * in the batch, two with one name), and a batch with any problem is refused whole with an error
 * naming the documents and the reasons, before anything is written. sources.json is written once.
 */
export async function addManyToCorpus(
  corpusDir: string,
  rootDir: string,
  docs: NewDocument[],
  onChecked?: (done: number, total: number) => void,
  limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS,
): Promise<CorpusBatch> {
  const batch = await planBatch(corpusDir, rootDir, docs, onChecked, limits);
  await batch.apply();
  return batch;
}

/** Checks a batch (see addManyToCorpus) and works out its sources.json entries, writing nothing. */
export async function planBatch(
  corpusDir: string,
  rootDir: string,
  docs: NewDocument[],
  onChecked?: (done: number, total: number) => void,
  limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS,
): Promise<PlannedBatch> {
  const sourcesDir = path.join(corpusDir, "sources");
  const relOf = (id: string) => path.relative(rootDir, path.join(sourcesDir, id));
  const problems: CorpusError[] = [];
  const existing = new Map<string, string>();
  for (const name of await readdir(sourcesDir).catch(() => [] as string[])) {
    const bytes = await readFile(path.join(sourcesDir, name)).catch(() => undefined);
    if (bytes) existing.set(sha256(bytes), name);
  }
  const checked: { id: string; doc: NewDocument; format: Format; extracted: Extracted }[] = [];
  const inBatch = new Map<string, string>();
  const ids = new Set<string>();
  for (const [i, doc] of docs.entries()) {
    const id = safeSourceName(doc.name);
    const rel = relOf(id);
    try {
      if (ids.has(id)) throw new CorpusError(rel, "is named twice in this batch");
      ids.add(id);
      const { format, extracted } = await validateDocument(id, doc.bytes, rel, limits);
      const hash = sha256(doc.bytes);
      const twin = existing.get(hash);
      if (twin !== undefined && twin !== id) throw new CorpusError(rel, `is identical to ${relOf(twin)}, which is already in the corpus`);
      const batchTwin = inBatch.get(hash);
      if (batchTwin !== undefined) throw new CorpusError(rel, `is identical to ${relOf(batchTwin)}, also in this batch`);
      inBatch.set(hash, id);
      checked.push({ id, doc, format, extracted });
    } catch (error) {
      if (!(error instanceof CorpusError)) throw error;
      problems.push(error);
    }
    onChecked?.(i + 1, docs.length);
  }
  // One document, one problem: its own error, so a limit keeps its setting and status.
  if (problems.length === 1 && docs.length === 1) throw problems[0]!;
  if (problems.length) {
    const [first, ...others] = problems;
    // A CorpusError's message is "<file>: <reason>".
    const reasonOf = (e: CorpusError) => e.message.slice(e.file.length + 2);
    const named = others.slice(0, PROBLEMS_NAMED - 1).map((p) => `${p.file} ${reasonOf(p)}`);
    const more = others.length > named.length ? [`and ${others.length - named.length} more`] : [];
    const rest = others.length ? `; nothing was added, since ${others.length} other document${others.length === 1 ? "" : "s"} of this batch cannot be added either: ${[...named, ...more].join("; ")}` : "";
    throw new CorpusError(first!.file, `${reasonOf(first!)}${docs.length > 1 && !rest ? "; nothing of this batch was added" : rest}`);
  }

  const { text: previousJson, entries } = await readEntries(corpusDir, rootDir);
  const entriesById = new Map(entries.map((e) => [e.file, e]));
  const previousFiles = new Map<string, Buffer | undefined>();
  const written: (Record<string, unknown> & { file: string })[] = [];
  const added = checked.map(({ id, doc, format, extracted }) => {
    const found = extracted.meta;
    const old = entriesById.get(id);
    // "Vendor SLA guide | Acme Sourcing Office": the title without the site's name, which becomes the publisher.
    const { title: foundTitle, site } = found.title ? splitSiteSuffix(found.title, found.publisher) : { title: undefined, site: undefined };
    const publisher = found.publisher ?? site;
    const meta = sourceMetaSchema.parse({
      ...(old ?? {}),
      file: id,
      title: doc.title ?? (old?.title as string | undefined) ?? foundTitle ?? path.basename(id, path.extname(id)),
      ...(publisher && !old?.publisher ? { publisher } : {}),
      ...(found.author && !old?.author ? { author: found.author } : {}),
      url: doc.url ?? (old?.url as string | null | undefined) ?? found.url ?? null,
    });
    written.push(Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined)) as Record<string, unknown> & { file: string });
    return { id, format, meta, replaced: false };
  });
  // Each file's previous bytes are read before it is first written, so an undo at any moment (a signal
  // handler included) restores exactly what this batch has touched so far.
  const undoSync = () => {
    for (const [id, previous] of previousFiles) {
      restoreFile(path.join(sourcesDir, id), previous);
      if (previous === undefined) rmSync(renditionFile(corpusDir, id), { force: true });
    }
    restoreFile(sourcesJsonPath(corpusDir), previousJson);
  };
  const apply = async () => {
    try {
      await mkdir(sourcesDir, { recursive: true });
      await forEachLimited(checked, async ({ id, doc }, i) => {
        const file = path.join(sourcesDir, id);
        const previous = await readFile(file).catch(() => undefined);
        previousFiles.set(id, previous);
        added[i]!.replaced = previous !== undefined;
        await writeFileAtomic(file, doc.bytes);
      });
      // Edited as text, entry by entry: every other entry keeps its bytes and the file its style.
      await writeFileAtomic(sourcesJsonPath(corpusDir), written.reduce<string | undefined>((text, entry) => upsertSourceEntry(text, entry), previousJson)!);
    } catch (error) {
      undoSync();
      throw error;
    }
  };
  return { added, apply, undo: async () => undoSync(), undoSync };
}

/** Runs `fn` over the items, WRITE_CONCURRENCY at a time (file writes wait on the disk, not the CPU). */
async function forEachLimited<T>(items: readonly T[], fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, items.length) }, lane));
}

export async function removeFromCorpus(corpusDir: string, rootDir: string, id: string): Promise<CorpusChange & { removeRendition(): Promise<void> }> {
  const file = path.join(corpusDir, "sources", path.basename(id));
  const rel = path.relative(rootDir, file);
  const previousFile = await readFile(file).catch(() => undefined);
  if (previousFile === undefined || path.basename(id) !== id) throw new CorpusError(rel, "is not in the corpus; `kpo sources` or GET /v1/documents lists the documents");
  const format = formatOf(id);
  if (!format) throw new CorpusError(rel, unsupportedMessage(id));
  const { text: previousJson, entries } = await readEntries(corpusDir, rootDir);
  const old = entries.find((e) => e.file === id);
  const undoSync = () => {
    restoreFile(file, previousFile);
    restoreFile(sourcesJsonPath(corpusDir), previousJson);
  };
  await rm(file);
  if (old && previousJson !== undefined) await writeFileAtomic(sourcesJsonPath(corpusDir), removeSourceEntry(previousJson, id));
  return {
    id,
    format,
    replaced: false,
    meta: sourceMetaSchema.parse(old ?? { file: id, title: id }),
    undo: async () => undoSync(),
    undoSync,
    // Only once the index without it is live: until then the old index still cites the rendition.
    removeRendition: () => rm(renditionFile(corpusDir, id), { force: true }),
  };
}
