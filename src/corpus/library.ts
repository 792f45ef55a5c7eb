import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { CorpusError } from "../errors.ts";
import { writeFileAtomic } from "../index/files.ts";
import { sourceMetaSchema, type SourceMeta } from "../schema/source.ts";
import { DEFAULT_EXTRACT_LIMITS, formatOf, needsRendition, readDocument, unsupportedMessage, type Extracted, type ExtractLimits, type Format } from "./formats/index.ts";
import { decodeUtf8, MAX_ORIGINAL_BYTES, MAX_SOURCE_BYTES, renditionFile, sha256 } from "./load.ts";

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

/** An addition checked and ready: nothing is written until `apply`, and `undo` is right before, during and after it. */
export type PlannedAddition = CorpusChange & { apply(): Promise<void> };

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

/** Adds a document (checked first, see planAddition): the file in sources/ and its sources.json entry. */
export async function addToCorpus(corpusDir: string, rootDir: string, doc: NewDocument, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS): Promise<CorpusChange> {
  const change = await planAddition(corpusDir, rootDir, doc, limits);
  await change.apply();
  return change;
}

/** Checks a document (format, size, limits, not a duplicate) and works out its sources.json entry, writing nothing. */
export async function planAddition(corpusDir: string, rootDir: string, doc: NewDocument, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS): Promise<PlannedAddition> {
  const id = safeSourceName(doc.name);
  const file = path.join(corpusDir, "sources", id);
  const rel = path.relative(rootDir, file);
  const { format, extracted } = await validateDocument(id, doc.bytes, rel, limits);

  const hash = sha256(doc.bytes);
  for (const name of await readdir(path.join(corpusDir, "sources")).catch(() => [] as string[])) {
    if (name === id) continue;
    const other = await readFile(path.join(corpusDir, "sources", name)).catch(() => undefined);
    if (other && sha256(other) === hash) throw new CorpusError(rel, `is identical to ${path.relative(rootDir, path.join(corpusDir, "sources", name))}, which is already in the corpus`);
  }

  const previousFile = await readFile(file).catch(() => undefined);
  const { text: previousJson, entries } = await readEntries(corpusDir, rootDir);
  const found = extracted.meta;
  const old = entries.find((e) => e.file === id);
  const entry = sourceMetaSchema.parse({
    ...(old ?? {}),
    file: id,
    title: doc.title ?? (old?.title as string | undefined) ?? found.title ?? path.basename(id, path.extname(id)),
    ...(found.publisher && !old?.publisher ? { publisher: found.publisher } : {}),
    ...(found.author && !old?.author ? { author: found.author } : {}),
    url: doc.url ?? (old?.url as string | null | undefined) ?? found.url ?? null,
  });
  const next = [...entries.filter((e) => e.file !== id), Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined))];

  const undoSync = () => {
    restoreFile(file, previousFile);
    restoreFile(sourcesJsonPath(corpusDir), previousJson);
    if (previousFile === undefined) rmSync(renditionFile(corpusDir, id), { force: true });
  };
  return {
    id,
    format,
    replaced: previousFile !== undefined,
    meta: entry,
    apply: async () => {
      await writeFileAtomic(file, doc.bytes);
      await writeFileAtomic(sourcesJsonPath(corpusDir), `${JSON.stringify(next, null, 2)}\n`);
    },
    undo: async () => undoSync(),
    undoSync,
  };
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
  if (old) await writeFileAtomic(sourcesJsonPath(corpusDir), `${JSON.stringify(entries.filter((e) => e !== old), null, 2)}\n`);
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
