import mammoth from "mammoth";
import { parseHTML } from "linkedom";
import { CorpusError } from "../../errors.ts";
import { htmlToText } from "./html.ts";
import { checkChars, type ExtractLimits } from "./limits.ts";
import { collapse, validMeta, type Extracted } from "./types.ts";
import { checkZip } from "./zip.ts";

/** Pictures are never decompressed: only the text is indexed, and its rendition is the same without them. */
const skipImages = mammoth.images.imgElement(async () => ({ src: "" }));

/**
 * DOCX -> semantic HTML with mammoth (Word heading styles become h1..h6) -> the same text
 * rendition as HTML. The zip is checked against the unzipped-size limits before mammoth opens it.
 */
export async function extractDocx(bytes: Buffer, rel: string, limits: ExtractLimits): Promise<Extracted> {
  await checkZip(bytes, limits, rel);
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: bytes }, { convertImage: skipImages })).value;
  } catch (error) {
    throw new CorpusError(rel, `is not a readable Word document (${(error as Error).message}); save it again as .docx`, { cause: error });
  }
  const { document } = parseHTML(`<html><body>${html}</body></html>`);
  const text = htmlToText(document.body as unknown as Parameters<typeof htmlToText>[0]);
  checkChars(text.length, limits, rel);
  if (!collapse(text)) throw new CorpusError(rel, "has no text");
  const firstHeading = document.querySelector("h1, h2")?.textContent ?? undefined;
  return { text, bodyStart: 0, meta: validMeta({ title: firstHeading }), visibleChars: collapse(document.body?.textContent ?? "").length };
}
