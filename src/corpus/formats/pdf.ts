import { getDocumentProxy, getMeta } from "unpdf";
import { layoutPage, type PdfTextItem } from "./pdf-layout.ts";
import { CorpusError } from "../../errors.ts";
import { collapse, validMeta, type Extracted, type PageStart } from "./types.ts";

/** PDF -> text with unpdf (pdf.js), laid out from the text's positions (pdf-layout.ts): one rendition, pages separated by a blank line, each page's start offset kept. */
export async function extractPdf(bytes: Uint8Array, rel: string): Promise<Extracted> {
  let pagesText: string[];
  let info: Record<string, unknown> = {};
  try {
    // verbosity 0: pdf.js would print recovery warnings for damaged files to stderr; the error below says it instead.
    const pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
    pagesText = [];
    for (let i = 1; i <= pdf.numPages; i++) {
      const page = await pdf.getPage(i);
      pagesText.push(layoutPage((await page.getTextContent()).items.filter((item: object): item is PdfTextItem => "str" in item)));
    }
    info = ((await getMeta(pdf)).info ?? {}) as Record<string, unknown>;
    await pdf.destroy();
  } catch (error) {
    throw new CorpusError(rel, `is not a readable PDF (${(error as Error).message}); check that the file is complete and not password-protected`, { cause: error });
  }
  const pages: PageStart[] = [];
  let text = "";
  pagesText.forEach((raw, i) => {
    const body = raw;
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
