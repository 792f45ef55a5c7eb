import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { CorpusError } from "../errors.ts";
import { writeFileAtomic } from "../index/files.ts";
import { sourceMetaSchema, type SourceMeta } from "../schema/source.ts";
import { extractDocument, formatOf, needsRendition, unsupportedMessage, type Extracted, type Format } from "./formats/index.ts";
import { decodeUtf8, MAX_ORIGINAL_BYTES, MAX_SOURCE_BYTES, renditionFile, sha256 } from "./load.ts";
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
}

/** A source id that is safe as a file name and in a URL: letters, digits, dot, dash, underscore. */
export function safeSourceName(name: string): string {
  const base = path.basename(name.replace(/\\/g, "/"));
  const ext = path.extname(base).toLowerCase();
  const stem = base.slice(0, base.length - ext.length).normalize("NFKD").replace(/[^\w.-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "").slice(0, 100);
  return `${stem || "document"}${ext}`;
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

async function restoreFile(file: string, previous: Buffer | string | undefined): Promise<void> {
  if (previous === undefined) await rm(file, { force: true });
  else await writeFile(file, previous);
}

/** Checks that the bytes are a readable document of the format its name says, before anything is written. */
export async function validateDocument(id: string, bytes: Buffer, rel: string): Promise<{ format: Format; extracted: Extracted }> {
  const format = formatOf(id);
  if (!format) throw new CorpusError(rel, unsupportedMessage(id));
  const limit = needsRendition(format) ? MAX_ORIGINAL_BYTES : MAX_SOURCE_BYTES;
  if (bytes.length > limit) throw new CorpusError(rel, `is ${(bytes.length / 1024 / 1024).toFixed(1)} MB, over the ${limit / 1024 / 1024} MB limit for one ${format} document`);
  const extracted = await extractDocument(format, bytes, rel);
  if (!extracted.text.slice(extracted.bodyStart).trim()) throw new CorpusError(rel, "is empty");
  return { format, extracted };
}

export async function addToCorpus(corpusDir: string, rootDir: string, doc: NewDocument): Promise<CorpusChange> {
  const id = safeSourceName(doc.name);
  const file = path.join(corpusDir, "sources", id);
  const rel = path.relative(rootDir, file);
  const { format, extracted } = await validateDocument(id, doc.bytes, rel);
  const found = extracted.meta;

  const hash = sha256(doc.bytes);
  for (const name of await readdir(path.join(corpusDir, "sources")).catch(() => [] as string[])) {
    if (name === id) continue;
    const other = await readFile(path.join(corpusDir, "sources", name)).catch(() => undefined);
    if (other && sha256(other) === hash) throw new CorpusError(rel, `is identical to ${path.relative(rootDir, path.join(corpusDir, "sources", name))}, which is already in the corpus`);
  }

  const previousFile = await readFile(file).catch(() => undefined);
  const { text: previousJson, entries } = await readEntries(corpusDir, rootDir);
  const old = entries.find((e) => e.file === id);
  // "Vendor SLA guide | Acme Sourcing Office": the title without the site's name, which becomes the publisher.
  const { title: foundTitle, site } = found.title ? splitSiteSuffix(found.title, found.publisher) : { title: undefined, site: undefined };
  const publisher = found.publisher ?? site;
  const entry = sourceMetaSchema.parse({
    ...(old ?? {}),
    file: id,
    title: doc.title ?? (old?.title as string | undefined) ?? foundTitle ?? path.basename(id, path.extname(id)),
    ...(publisher && !old?.publisher ? { publisher } : {}),
    ...(found.author && !old?.author ? { author: found.author } : {}),
    url: doc.url ?? (old?.url as string | null | undefined) ?? found.url ?? null,
  });
  const written = Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)) as SourceMeta;

  await writeFileAtomic(file, doc.bytes);
  await writeFileAtomic(sourcesJsonPath(corpusDir), upsertSourceEntry(previousJson, written));
  return {
    id,
    format,
    replaced: previousFile !== undefined,
    meta: entry,
    undo: async () => {
      await restoreFile(file, previousFile);
      await restoreFile(sourcesJsonPath(corpusDir), previousJson);
      if (previousFile === undefined) await rm(renditionFile(corpusDir, id), { force: true });
    },
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
  await rm(file);
  if (old && previousJson !== undefined) await writeFileAtomic(sourcesJsonPath(corpusDir), removeSourceEntry(previousJson, id));
  return {
    id,
    format,
    replaced: false,
    meta: sourceMetaSchema.parse(old ?? { file: id, title: id }),
    undo: async () => {
      await writeFile(file, previousFile);
      await restoreFile(sourcesJsonPath(corpusDir), previousJson);
    },
    // Only once the index without it is live: until then the old index still cites the rendition.
    removeRendition: () => rm(renditionFile(corpusDir, id), { force: true }),
  };
}
