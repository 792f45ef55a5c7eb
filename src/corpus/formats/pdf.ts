import { extractText, getDocumentProxy, getMeta } from "unpdf";
import { CorpusError } from "../../errors.ts";
import { collapse, validMeta, type Extracted, type PageStart } from "./types.ts";

/**
 * The visual lines of one page as paragraphs: a line that ends a sentence ends its paragraph,
 * other lines join the next one (hyphenated words are rejoined). Without this every short
 * visual line would look like a navigation menu to the cleaner.
 */
function pageParagraphs(page: string): string {
  const lines = page.split(/\r?\n/).map((l) => l.replace(/\s+/g, " ").trim());
  const paragraphs: string[] = [];
  let current = "";
  for (const line of lines) {
    if (!line) {
      if (current) paragraphs.push(current);
      current = "";
      continue;
    }
    current = !current ? line : /\p{L}-$/u.test(current) ? current.slice(0, -1) + line : `${current} ${line}`;
    if (/[.!?:;…"”)]$/.test(line)) {
      paragraphs.push(current);
      current = "";
    }
  }
  if (current) paragraphs.push(current);
  return paragraphs.join("\n\n");
}

/** PDF -> text with unpdf (pdf.js): one rendition, pages separated by a blank line, each page's start offset kept. */
export async function extractPdf(bytes: Uint8Array, rel: string): Promise<Extracted> {
  let pagesText: string[];
  let info: Record<string, unknown> = {};
  try {
    // verbosity 0: pdf.js would print recovery warnings for damaged files to stderr; the error below says it instead.
    const pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
    pagesText = (await extractText(pdf, { mergePages: false })).text;
    info = ((await getMeta(pdf)).info ?? {}) as Record<string, unknown>;
    await pdf.destroy();
  } catch (error) {
    throw new CorpusError(rel, `is not a readable PDF (${(error as Error).message}); check that the file is complete and not password-protected`, { cause: error });
  }
  const pages: PageStart[] = [];
  let text = "";
  pagesText.forEach((raw, i) => {
    const body = pageParagraphs(raw);
    if (!body) return;
    if (text) text += "\n\n";
    pages.push({ start: text.length, page: i + 1 });
    text += body;
  });
  if (!text) {
    throw new CorpusError(rel, `has no extractable text in its ${pagesText.length} page(s): it is probably scanned images; run OCR on it (e.g. ocrmypdf) and add the result`);
  }
  return {
    text: `${text}\n`,
    bodyStart: 0,
    pages,
    meta: validMeta({ title: info.Title, author: info.Author }),
    visibleChars: collapse(pagesText.join(" ")).length,
  };
}
