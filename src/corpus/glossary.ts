import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { CorpusError } from "../errors.ts";
import { glossaryFrontMatterSchema, type GlossaryEntry } from "../schema/glossary.ts";
import { decodeUtf8 } from "./load.ts";
import { normalizeTerm } from "../text/terms.ts";

export const FRONT_MATTER = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---[ \t]*\r?\n/;

/**
 * Parses one glossary file. Offsets of the definition are kept so that glossary citations
 * satisfy the same invariant as corpus citations.
 */
export function parseGlossaryFile(text: string, relPath: string): GlossaryEntry {
  const match = FRONT_MATTER.exec(text);
  if (!match) throw new CorpusError(relPath, "has no front matter: start the file with a --- block holding term, aliases, related and sources");
  let data: unknown;
  try {
    data = parseYaml(match[1]!);
  } catch (error) {
    throw new CorpusError(relPath, `front matter is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  const parsed = glossaryFrontMatterSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length ? issue.path.join(".") : (issue as { keys?: string[] }).keys?.join(", ") ?? "front matter";
    throw new CorpusError(relPath, `front matter field "${field}": ${issue.message}`);
  }
  const body = text.slice(match[0].length);
  const lead = body.length - body.trimStart().length;
  const definition = body.trim();
  if (!definition) throw new CorpusError(relPath, "has no definition below the front matter");
  const start = match[0].length + lead;
  return {
    slug: path.basename(relPath, ".md"),
    ...parsed.data,
    definition,
    path: relPath.split(path.sep).join("/"),
    start,
    end: start + definition.length,
  };
}

/** Loads and cross-checks every glossary entry; any problem stops ingestion naming the file and field. */
export async function loadGlossary(corpusDir: string, rootDir: string, sourceIds: Set<string>): Promise<GlossaryEntry[]> {
  const dir = path.join(corpusDir, "glossary");
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".md")).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new CorpusError(path.relative(rootDir, dir), `cannot be listed: ${(error as Error).message}`, { cause: error });
  }
  const entries: GlossaryEntry[] = [];
  for (const name of names) {
    const rel = path.relative(rootDir, path.join(dir, name));
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(dir, name));
    } catch (error) {
      throw new CorpusError(rel, `cannot be read: ${(error as Error).message}`, { cause: error });
    }
    entries.push(parseGlossaryFile(decodeUtf8(bytes, rel), rel));
  }
  const slugs = new Set(entries.map((e) => e.slug));
  const owners = new Map<string, string>();
  for (const entry of entries) {
    for (const source of entry.sources) {
      if (!sourceIds.has(source)) throw new CorpusError(entry.path, `front matter field "sources": ${source} is not a file in corpus/sources`);
    }
    for (const related of entry.related) {
      if (!slugs.has(related)) throw new CorpusError(entry.path, `front matter field "related": no glossary entry ${related}.md`);
    }
    for (const name of [entry.term, ...entry.aliases]) {
      const key = normalizeTerm(name);
      const owner = owners.get(key);
      if (owner && owner !== entry.path) throw new CorpusError(entry.path, `front matter field "aliases": "${name}" is already used by ${owner}`);
      owners.set(key, entry.path);
    }
  }
  return entries;
}
