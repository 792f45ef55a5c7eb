import path from "node:path";
import { CorpusError } from "../../errors.ts";
import { decodeUtf8 } from "./utf8.ts";
import { extractDocx } from "./docx.ts";
import { extractHtml } from "./html.ts";
import { extractMarkdown } from "./markdown.ts";
import { extractPdf } from "./pdf.ts";
import { collapse, FORMATS, SUPPORTED_EXTENSIONS, type Extracted, type Format } from "./types.ts";

export { FORMATS, SUPPORTED_EXTENSIONS, type Extracted, type Format } from "./types.ts";

/** The format of a file by its extension; undefined for anything the corpus cannot read. */
export function formatOf(fileName: string): Format | undefined {
  const ext = path.extname(fileName).toLowerCase();
  return (Object.keys(FORMATS) as Format[]).find((f) => (FORMATS[f] as readonly string[]).includes(ext));
}

export const unsupportedMessage = (fileName: string) =>
  `is not a supported format (${path.extname(fileName) || "no extension"}); supported: ${SUPPORTED_EXTENSIONS.join(", ")}`;

/** Text formats are cited in place; the others are cited through a text rendition written beside the corpus. */
export const needsRendition = (format: Format) => format !== "text" && format !== "markdown";

/** HTML declares its encoding; anything else is read as UTF-8. */
function decodeHtml(bytes: Buffer, rel: string): string {
  const declared = /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(bytes.subarray(0, 2048).toString("latin1"))?.[1]?.toLowerCase();
  if (!declared || declared === "utf-8" || declared === "utf8") return decodeUtf8(bytes, rel);
  try {
    return new TextDecoder(declared).decode(bytes);
  } catch (cause) {
    throw new CorpusError(rel, `declares charset ${declared}, which cannot be decoded`, { cause });
  }
}

/** Reads a document of any supported format into the text that is indexed and cited. */
export async function extractDocument(format: Format, bytes: Buffer, rel: string): Promise<Extracted> {
  switch (format) {
    case "text": {
      // Plain text is taken as it is: a leading "---" line there is text, not front matter.
      const text = decodeUtf8(bytes, rel);
      return { text, bodyStart: 0, meta: {}, visibleChars: collapse(text).length };
    }
    case "markdown":
      return extractMarkdown(decodeUtf8(bytes, rel), rel);
    case "html":
      return extractHtml(decodeHtml(bytes, rel), rel);
    case "pdf":
      return extractPdf(bytes, rel);
    case "docx":
      return extractDocx(bytes, rel);
  }
}
