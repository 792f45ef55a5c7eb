import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Answer, Citation } from "../schema/answer.ts";
import type { Chunk, Span } from "../schema/passage.ts";

import { spanText } from "../schema/passage.ts";

export { spanText };

/** A citation quoting `span` of `chunk`; the quote is a verbatim slice of the file at chunk.path. */
export function citationFor(chunk: Pick<Chunk, "sourceId" | "path" | "title" | "url" | "section" | "text" | "start" | "pages">, span: Span, n: number): Citation {
  return {
    n,
    sourceId: chunk.sourceId,
    path: chunk.path,
    title: chunk.title,
    url: chunk.url,
    section: chunk.section.join(" > "),
    quote: spanText(chunk, span),
    start: span.start,
    end: span.end,
    ...(chunk.pages?.length ? { page: pageAt(chunk.pages, span.start) } : {}),
  };
}

/** The page an offset falls on, given where pages start (sorted by offset). */
export function pageAt(pages: { start: number; page: number }[], offset: number): number {
  let page = pages[0]!.page;
  for (const p of pages) if (p.start <= offset) page = p.page;
  return page;
}

/** Markers like [3] in answer text. */
export function citedNumbers(text: string): Set<number> {
  return new Set([...text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])));
}

export interface CitationProblem {
  n?: number;
  problem: string;
}

/**
 * Checks the citation invariant of DESIGN.md against the files on disk: every quote is the
 * exact slice of its file, every [n] has a citation, every citation is referenced.
 */
export async function checkCitations(answer: Pick<Answer, "answer" | "citations">, rootDir: string): Promise<CitationProblem[]> {
  const problems: CitationProblem[] = [];
  const files = new Map<string, string | null>();
  for (const c of answer.citations) {
    if (!files.has(c.path)) {
      files.set(c.path, await readFile(path.resolve(rootDir, c.path), "utf8").catch(() => null));
    }
    const text = files.get(c.path);
    if (text == null) problems.push({ n: c.n, problem: `file ${c.path} cannot be read` });
    else if (text.slice(c.start, c.end) !== c.quote) problems.push({ n: c.n, problem: `quote does not match ${c.path}[${c.start}:${c.end}]` });
  }
  const markers = citedNumbers(answer.answer);
  const numbers = new Set(answer.citations.map((c) => c.n));
  for (const n of markers) if (!numbers.has(n)) problems.push({ n, problem: `[${n}] has no citation` });
  for (const n of numbers) if (!markers.has(n)) problems.push({ n, problem: `citation ${n} is never referenced` });
  return problems;
}
