import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { CorpusError } from "../errors.ts";
import { FRONT_MATTER } from "./formats/markdown.ts";
import { decodeUtf8 } from "./formats/utf8.ts";

/**
 * Splits a curated Markdown file (glossary entry, topic note) into its validated front matter
 * and the offset where the body starts; problems name the file and the field.
 */
export function readFrontMatter<S extends z.ZodType>(text: string, relPath: string, schema: S, expected: string): { data: z.output<S>; bodyStart: number } {
  const match = FRONT_MATTER.exec(text);
  if (!match) throw new CorpusError(relPath, `has no front matter: start the file with a --- block holding ${expected}`);
  let data: unknown;
  try {
    data = parseYaml(match[1]!);
  } catch (error) {
    throw new CorpusError(relPath, `front matter is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  const parsed = schema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length ? issue.path.join(".") : (issue as { keys?: string[] }).keys?.join(", ") ?? "front matter";
    throw new CorpusError(relPath, `front matter field "${field}": ${issue.message}`);
  }
  return { data: parsed.data, bodyStart: match[0].length };
}

/** The Markdown files of one curated folder (corpus/glossary, corpus/topics), sorted, as text; a missing folder has none. */
export async function readCuratedFiles(corpusDir: string, rootDir: string, folder: string): Promise<{ rel: string; text: string }[]> {
  const dir = path.join(corpusDir, folder);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".md")).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new CorpusError(path.relative(rootDir, dir), `cannot be listed: ${(error as Error).message}`, { cause: error });
  }
  const files: { rel: string; text: string }[] = [];
  for (const name of names) {
    const rel = path.relative(rootDir, path.join(dir, name));
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(dir, name));
    } catch (error) {
      throw new CorpusError(rel, `cannot be read: ${(error as Error).message}`, { cause: error });
    }
    files.push({ rel, text: decodeUtf8(bytes, rel) });
  }
  return files;
}
