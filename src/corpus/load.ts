import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { CorpusError } from "../errors.ts";
import { writeFileAtomic } from "../index/files.ts";
import { sourceMetaSchema, type SourceMeta } from "../schema/source.ts";
import { DEFAULT_EXTRACT_LIMITS, formatOf, needsRendition, readDocument, SUPPORTED_EXTENSIONS, unsupportedMessage, type Extracted, type ExtractLimits, type Format } from "./formats/index.ts";
import { decodeUtf8 } from "./formats/utf8.ts";
import type { PageStart } from "./formats/types.ts";
import { splitSiteSuffix } from "./title.ts";

/** Larger documents are refused: embedding them would take minutes and they are rarely reference text. */
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;
/** PDF, Word and HTML files carry layout and images besides their text, so their own limit is higher. */
export const MAX_ORIGINAL_BYTES = 25 * 1024 * 1024;

export interface RawDocument {
  id: string;
  /** The file citations point at, relative to the repository root: the source itself, or its text rendition. */
  path: string;
  /** The file as added, relative to the repository root (equal to `path` for text formats). */
  originalPath: string;
  format: Format;
  raw: string;
  /** Where the body starts in `raw` (after Markdown front matter). */
  bodyStart: number;
  /** For PDFs: where each page starts in `raw`. */
  pages?: PageStart[];
  /** Visible characters of the original, to report the share dropped as boilerplate. */
  visibleChars: number;
  meta: SourceMeta;
  contentHash: string;
}

export const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

export async function loadSourcesMeta(corpusDir: string, rootDir: string): Promise<Map<string, SourceMeta>> {
  const file = path.join(corpusDir, "sources.json");
  const rel = path.relative(rootDir, file);
  let text: string;
  try {
    text = decodeUtf8(await readFile(file), rel);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Map();
    if (error instanceof CorpusError) throw error;
    throw new CorpusError(rel, `cannot be read: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CorpusError(rel, `is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = z.array(sourceMetaSchema).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CorpusError(rel, `field ${issue.path.join(".")}: ${issue.message}`);
  }
  return new Map(parsed.data.map((m) => [m.file, m]));
}

/** A readable title for a document that neither sources.json nor the document itself names: its first non-empty line. */
function fallbackTitle(id: string, body: string): string {
  const firstLine = body.split(/\r?\n/).find((l) => l.trim())?.trim().replace(/^[=#\s]+|[=\s]+$/g, "");
  return firstLine?.slice(0, 120) || id;
}

/**
 * sources.json overrides what the document says about itself (front matter, <title>, og: tags,
 * PDF info), which overrides the first line. The result is validated like a sources.json entry.
 */
function mergeMeta(id: string, extracted: Extracted, entry: SourceMeta | undefined, rel: string): SourceMeta {
  const found = extracted.meta;
  const merged = entry
    ? { ...entry, publisher: entry.publisher ?? found.publisher, author: entry.author ?? found.author, url: entry.url ?? found.url ?? null, updated: entry.updated ?? found.updated }
    : { file: id, title: found.title ?? fallbackTitle(id, extracted.text.slice(extracted.bodyStart)), publisher: found.publisher, author: found.author, url: found.url ?? null, updated: found.updated, kind: "document" };
  // A page title's trailing site name is the publisher, not part of the title.
  const { title, site } = splitSiteSuffix(merged.title, merged.publisher);
  const parsed = sourceMetaSchema.safeParse({ ...merged, title, publisher: merged.publisher ?? site });
  if (!parsed.success) throw new CorpusError(rel, `metadata field ${parsed.error.issues[0]!.path.join(".")}: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

/** Where the text rendition of a non-text source lives (citations point there). */
export const renditionFile = (corpusDir: string, id: string) => path.join(corpusDir, "derived", `${id}.txt`);

/**
 * Reads one source file of any supported format. A format that is not plain text is
 * extracted into a deterministic text rendition under corpus/derived/, written (only when it
 * changed) before anything cites it.
 */
export async function readSourceDocument(
  file: string,
  options: { corpusDir: string; rootDir: string; id?: string; meta?: SourceMeta; writeRendition?: boolean; limits?: ExtractLimits },
): Promise<RawDocument> {
  const id = options.id ?? path.basename(file);
  const rel = path.relative(options.rootDir, file);
  const format = formatOf(id);
  if (!format) throw new CorpusError(rel, unsupportedMessage(id));
  const limit = needsRendition(format) ? MAX_ORIGINAL_BYTES : MAX_SOURCE_BYTES;
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (info.size > limit) {
      throw new CorpusError(rel, `is ${(info.size / 1024 / 1024).toFixed(1)} MB, over the ${limit / 1024 / 1024} MB limit for one ${format} document; split it into smaller files`);
    }
    bytes = await readFile(file);
  } catch (error) {
    if (error instanceof CorpusError) throw error;
    throw new CorpusError(rel, `cannot be read: ${(error as Error).message}`, { cause: error });
  }
  // Its text is at most EXTRACT_MAX_CHARS (checked by the extraction).
  const extracted = await readDocument(format, bytes, rel, options.limits ?? DEFAULT_EXTRACT_LIMITS);
  let citedPath = rel;
  if (needsRendition(format)) {
    const target = renditionFile(options.corpusDir, id);
    citedPath = path.relative(options.rootDir, target);
    if (options.writeRendition !== false) {
      const current = await readFile(target, "utf8").catch(() => undefined);
      if (current !== extracted.text) await writeFileAtomic(target, extracted.text);
    }
  }
  return {
    id,
    path: citedPath.split(path.sep).join("/"),
    originalPath: rel.split(path.sep).join("/"),
    format,
    raw: extracted.text,
    bodyStart: extracted.bodyStart,
    pages: extracted.pages,
    visibleChars: extracted.visibleChars,
    meta: mergeMeta(id, extracted, options.meta, rel),
    contentHash: sha256(bytes),
  };
}

/**
 * The source files of the corpus, sorted by name. A file of an unsupported format is reported
 * through `warn` and left out (never skipped silently); no supported file at all is an error.
 */
export async function listSourceFiles(corpusDir: string, rootDir: string, warn: (message: string) => void = () => {}): Promise<{ dir: string; names: string[] }> {
  const dir = path.join(corpusDir, "sources");
  const relDir = path.relative(rootDir, dir) || ".";
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries.filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith(".")).map((e) => e.name).sort();
  } catch (error) {
    throw new CorpusError(relDir, `cannot list the source folder: ${(error as Error).message}`, { cause: error });
  }
  for (const name of names.filter((n) => !formatOf(n))) warn(`${path.join(relDir, name)}: ${unsupportedMessage(name)}; skipped`);
  names = names.filter((n) => formatOf(n));
  if (names.length === 0) {
    throw new CorpusError(relDir, `contains no documents (${SUPPORTED_EXTENSIONS.join(", ")}); add at least one source document`);
  }
  return { dir, names };
}

/** Empty documents are skipped with a warning naming the file. */
export function isEmptyDocument(doc: RawDocument): boolean {
  return !doc.raw.slice(doc.bodyStart).trim();
}

/**
 * Reads every source document. Problems that would make the index wrong (no documents, an
 * unreadable, unparseable or non-UTF-8 file, an oversized file) stop ingestion with a message
 * naming the file; an exact duplicate of another document is skipped with a warning, and so is a
 * file of an unsupported format (reported, never skipped silently).
 */
export async function loadSourceDocuments(
  corpusDir: string,
  rootDir: string,
  warn: (message: string) => void = () => {},
  limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS,
): Promise<RawDocument[]> {
  const { dir, names } = await listSourceFiles(corpusDir, rootDir, warn);
  const metas = await loadSourcesMeta(corpusDir, rootDir);
  const byHash = new Map<string, string>();
  const docs: RawDocument[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const rel = path.relative(rootDir, file);
    const doc = await readSourceDocument(file, { corpusDir, rootDir, meta: metas.get(name), limits });
    if (isEmptyDocument(doc)) {
      warn(`${rel}: is empty; skipped`);
      continue;
    }
    const twin = byHash.get(doc.contentHash);
    if (twin) {
      warn(`${rel}: identical to ${twin}; skipped so passages are not indexed twice`);
      continue;
    }
    byHash.set(doc.contentHash, rel);
    docs.push(doc);
  }
  return docs;
}
