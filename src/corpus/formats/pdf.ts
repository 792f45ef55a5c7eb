import { getDocumentProxy, getMeta } from "unpdf";
import { CorpusError, DocumentLimitError } from "../../errors.ts";
import { checkChars, type ExtractLimits } from "./limits.ts";
import { layoutPage, type PdfTextItem } from "./pdf-layout.ts";
import { collapse, validMeta, type Extracted, type PageStart } from "./types.ts";

/**
 * PDF -> text with unpdf (pdf.js), laid out from the text's positions (pdf-layout.ts): one
 * rendition, pages separated by a blank line, each page's start offset kept. The page count is
 * checked before any page is read (EXTRACT_MAX_PAGES), and pages are read one at a time, each
 * released before the next, with the text checked against EXTRACT_MAX_CHARS as it grows: memory
 * follows one page, not the document.
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
      let body: string;
      try {
        const page = await pdf.getPage(n);
        body = layoutPage((await page.getTextContent()).items.filter((item: object): item is PdfTextItem => "str" in item));
        page.cleanup();
      } catch (error) {
        throw unreadable(error);
      }
      // The pages' visible text, one space between non-empty ones.
      const seen = collapse(body).length;
      if (seen) visible += (visible ? 1 : 0) + seen;
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
