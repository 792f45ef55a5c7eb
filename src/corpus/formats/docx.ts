import mammoth from "mammoth";
import { parseHTML } from "linkedom";
import { CorpusError } from "../../errors.ts";
import { htmlToText } from "./html.ts";
import { collapse, validMeta, type Extracted } from "./types.ts";

/** DOCX -> semantic HTML with mammoth (Word heading styles become h1..h6) -> the same text rendition as HTML. */
export async function extractDocx(bytes: Buffer, rel: string): Promise<Extracted> {
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: bytes })).value;
  } catch (error) {
    throw new CorpusError(rel, `is not a readable Word document (${(error as Error).message}); save it again as .docx`, { cause: error });
  }
  const { document } = parseHTML(`<html><body>${html}</body></html>`);
  const text = htmlToText(document.body as unknown as Parameters<typeof htmlToText>[0]);
  if (!collapse(text)) throw new CorpusError(rel, "has no text");
  const firstHeading = document.querySelector("h1, h2")?.textContent ?? undefined;
  return { text, bodyStart: 0, meta: validMeta({ title: firstHeading }), visibleChars: collapse(document.body?.textContent ?? "").length };
}
