import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { CorpusError } from "../errors.ts";
import { sourceMetaSchema, type SourceMeta } from "../schema/source.ts";

/** Larger documents are refused: embedding them would take minutes and they are rarely reference text. */
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;
const SOURCE_FILE = /\.(txt|md)$/i;

export interface RawDocument {
  id: string;
  /** Relative to the repository root, as citations carry it. */
  path: string;
  raw: string;
  meta: SourceMeta;
  contentHash: string;
}

export const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

// ignoreBOM keeps a leading U+FEFF, as readFile(..., "utf8") does, so offsets match what citation checkers read.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes strictly: invalid UTF-8 is an error naming the file, never silently replaced characters. */
export function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    // Point at the first bad byte: a lossy decode marks it with U+FFFD.
    const lossy = bytes.toString("utf8");
    const at = Math.max(0, lossy.indexOf("\uFFFD"));
    const line = lossy.slice(0, at).split("\n").length;
    throw new CorpusError(file, `is not valid UTF-8 (line ${line}, byte ${Buffer.byteLength(lossy.slice(0, at))}); save it as UTF-8 text`, { cause });
  }
}

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

/** A readable title for a document sources.json does not describe: its first non-empty line. */
function fallbackMeta(id: string, raw: string): SourceMeta {
  const firstLine = raw.split(/\r?\n/).find((l) => l.trim())?.trim().replace(/^[=#\s]+|[=\s]+$/g, "");
  return { file: id, title: firstLine?.slice(0, 120) || id, url: null, kind: "document" };
}

/**
 * Reads every source document. Problems that would make the index wrong (no documents, an
 * unreadable or non-UTF-8 file, an oversized file) stop ingestion with a message naming
 * the file; an exact duplicate of another document is skipped with a warning.
 */
export async function loadSourceDocuments(
  corpusDir: string,
  rootDir: string,
  warn: (message: string) => void = () => {},
): Promise<RawDocument[]> {
  const dir = path.join(corpusDir, "sources");
  const relDir = path.relative(rootDir, dir) || ".";
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => SOURCE_FILE.test(n)).sort();
  } catch (error) {
    throw new CorpusError(relDir, `cannot list the source folder: ${(error as Error).message}`, { cause: error });
  }
  if (names.length === 0) {
    throw new CorpusError(relDir, "contains no .txt or .md documents; add at least one source document");
  }
  const metas = await loadSourcesMeta(corpusDir, rootDir);
  const byHash = new Map<string, string>();
  const docs: RawDocument[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const rel = path.relative(rootDir, file);
    let bytes: Buffer;
    try {
      const info = await stat(file);
      if (info.size > MAX_SOURCE_BYTES) {
        throw new CorpusError(rel, `is ${(info.size / 1024 / 1024).toFixed(1)} MB, over the ${MAX_SOURCE_BYTES / 1024 / 1024} MB limit for one document; split it into smaller files`);
      }
      bytes = await readFile(file);
    } catch (error) {
      if (error instanceof CorpusError) throw error;
      throw new CorpusError(rel, `cannot be read: ${(error as Error).message}`, { cause: error });
    }
    const raw = decodeUtf8(bytes, rel);
    if (!raw.trim()) {
      warn(`${rel}: is empty; skipped`);
      continue;
    }
    const contentHash = sha256(bytes);
    const twin = byHash.get(contentHash);
    if (twin) {
      warn(`${rel}: identical to ${twin}; skipped so passages are not indexed twice`);
      continue;
    }
    byHash.set(contentHash, rel);
    docs.push({ id: name, path: rel, raw, meta: metas.get(name) ?? fallbackMeta(name, raw), contentHash });
  }
  return docs;
}
