import { getDocumentProxy, getMeta } from "unpdf";
import { CorpusError, DocumentLimitError } from "../../errors.ts";
import { checkChars, type ExtractLimits } from "./limits.ts";
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

/**
 * PDF -> text with unpdf (pdf.js): one rendition, pages separated by a blank line, each page's
 * start offset kept. The page count is checked before any page is read (EXTRACT_MAX_PAGES), and
 * pages are read one at a time, each released before the next, with the text checked against
 * EXTRACT_MAX_CHARS as it grows: memory follows one page, not the document.
 */
export async function extractPdf(bytes: Uint8Array, rel: string, limits: ExtractLimits): Promise<Extracted> {
  const unreadable = (error: unknown) =>
    new CorpusError(rel, `is not a readable PDF (${(error as Error).message}); check that the file is complete and not password-protected`, { cause: error });
  // verbosity 0: pdf.js would print recovery warnings for damaged files to stderr; the error below says it instead.
  const pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 }).catch((error: unknown) => {
    throw unreadable(error);
  });
  try {
    if (pdf.numPages > limits.maxPages) {
      throw new DocumentLimitError(rel, "EXTRACT_MAX_PAGES", `has ${pdf.numPages.toLocaleString("en")} pages, over the limit of ${limits.maxPages.toLocaleString("en")}; split it into smaller files`);
    }
    const pages: PageStart[] = [];
    let text = "";
    let visible = 0;
    for (let n = 1; n <= pdf.numPages; n++) {
      let raw: string;
      try {
        const page = await pdf.getPage(n);
        const content = await page.getTextContent();
        // As unpdf's extractText joins a page's text items.
        raw = (content.items as { str?: string; hasEOL?: boolean }[])
          .filter((item) => item.str != null)
          .map((item) => item.str + (item.hasEOL ? "\n" : ""))
          .join("");
        page.cleanup();
      } catch (error) {
        throw unreadable(error);
      }
      // As collapse(pages.join(" ")) counts: the pages' visible text, one space between non-empty ones.
      const seen = collapse(raw).length;
      if (seen) visible += (visible ? 1 : 0) + seen;
      const body = pageParagraphs(raw);
      if (!body) continue;
      if (text) text += "\n\n";
      pages.push({ start: text.length, page: n });
      text += body;
      checkChars(text.length, limits, rel);
    }
    if (!text) {
      throw new CorpusError(rel, `has no extractable text in its ${pdf.numPages} page(s): it is probably scanned images; run OCR on it (e.g. ocrmypdf) and add the result`);
    }
    const info = ((await getMeta(pdf).catch(() => ({ info: {} }))).info ?? {}) as Record<string, unknown>;
    return {
      text: `${text}\n`,
      bodyStart: 0,
      pages,
      meta: validMeta({ title: info.Title, author: info.Author }),
      visibleChars: visible,
    };
  } finally {
    await pdf.destroy();
  }
}
