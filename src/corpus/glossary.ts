import path from "node:path";
import { CorpusError } from "../errors.ts";
import { glossaryFrontMatterSchema, type GlossaryEntry } from "../schema/glossary.ts";
import { readCuratedFiles, readFrontMatter } from "./curated.ts";
import { normalizeTerm } from "../text/terms.ts";

/**
 * Parses one glossary file. Offsets of the definition are kept so that glossary citations
 * satisfy the same invariant as corpus citations.
 */
export function parseGlossaryFile(text: string, relPath: string): GlossaryEntry {
  const { data, bodyStart } = readFrontMatter(text, relPath, glossaryFrontMatterSchema, "term, aliases, related and sources");
  const body = text.slice(bodyStart);
  const lead = body.length - body.trimStart().length;
  const definition = body.trim();
  if (!definition) throw new CorpusError(relPath, "has no definition below the front matter");
  const start = bodyStart + lead;
  return {
    slug: path.basename(relPath, ".md"),
    ...data,
    definition,
    path: relPath.split(path.sep).join("/"),
    start,
    end: start + definition.length,
  };
}

/** Loads and cross-checks every glossary entry; any problem stops ingestion naming the file and field. */
export async function loadGlossary(corpusDir: string, rootDir: string, sourceIds: Set<string>): Promise<GlossaryEntry[]> {
  const entries = (await readCuratedFiles(corpusDir, rootDir, "glossary")).map((f) => parseGlossaryFile(f.text, f.rel));
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
