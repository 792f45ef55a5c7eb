import { parse as parseYaml } from "yaml";
import { CorpusError } from "../../errors.ts";
import { collapse, validMeta, type Extracted } from "./types.ts";

/** A leading YAML block between `---` lines: a document's (and every curated file's) metadata. */
export const FRONT_MATTER = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---[ \t]*\r?\n/;

/**
 * Markdown and plain text are cited as they are. A leading YAML front matter block (the same
 * `---` block glossary entries use) gives title, publisher, url, author and date, and is left
 * out of the indexed body.
 */
export function extractMarkdown(text: string, rel: string): Extracted {
  const match = FRONT_MATTER.exec(text);
  if (!match) return { text, bodyStart: 0, meta: validMeta({ title: firstHeading(text) }), visibleChars: visibleChars(text) };
  let data: unknown;
  try {
    data = parseYaml(match[1]!);
  } catch (error) {
    throw new CorpusError(rel, `front matter is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  if (data !== null && (typeof data !== "object" || Array.isArray(data))) {
    throw new CorpusError(rel, "front matter must be a YAML mapping (title: ..., publisher: ..., url: ...)");
  }
  const fields = (data ?? {}) as Record<string, unknown>;
  for (const field of ["title", "publisher", "author", "url"]) {
    if (fields[field] !== undefined && typeof fields[field] !== "string") throw new CorpusError(rel, `front matter field "${field}": must be text`);
  }
  if (typeof fields.url === "string" && !URL.canParse(fields.url)) throw new CorpusError(rel, `front matter field "url": ${JSON.stringify(fields.url)} is not a URL`);
  const date = fields.updated ?? fields.date;
  const meta = validMeta({
    title: fields.title ?? firstHeading(text.slice(match[0].length)),
    publisher: fields.publisher,
    author: fields.author,
    url: fields.url,
    updated: date instanceof Date ? date.toISOString().slice(0, 10) : typeof date === "string" ? date : undefined,
  });
  const bodyStart = match[0].length;
  return { text, bodyStart, meta, visibleChars: visibleChars(text.slice(bodyStart)) };
}

/** The text of the first level-1 heading (`# Title`), which names a Markdown document that has no front matter title. */
function firstHeading(body: string): string | undefined {
  return /^#[ \t]+(.+?)[ \t#]*$/m.exec(body)?.[1];
}

/** Characters a reader sees: heading markers are markup, not text. */
const visibleChars = (body: string) => collapse(body.replace(/^#{1,6}[ \t]+/gm, "")).length;
