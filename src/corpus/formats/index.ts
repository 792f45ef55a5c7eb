import path from "node:path";
import { CorpusError } from "../../errors.ts";
import { decodeUtf8 } from "./utf8.ts";
import { extractMarkdown } from "./markdown.ts";
import { extractIsolated } from "./isolated.ts";
import { checkChars, DEFAULT_EXTRACT_LIMITS, type ExtractLimits } from "./limits.ts";
import { collapse, FORMATS, SUPPORTED_EXTENSIONS, type Extracted, type Format } from "./types.ts";

export { FORMATS, SUPPORTED_EXTENSIONS, type Extracted, type Format } from "./types.ts";
export { DEFAULT_EXTRACT_LIMITS, extractLimits, type ExtractLimits } from "./limits.ts";

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

/**
 * Reads a document of any supported format into the text that is indexed and cited, in this
 * process, under `limits` (see limits.ts). Callers use readDocument, which sends the formats that
 * need a parser to a separate process; this is what runs there.
 */
export async function extractDocument(format: Format, bytes: Buffer, rel: string, limits: ExtractLimits): Promise<Extracted> {
  let extracted: Extracted;
  switch (format) {
    case "text": {
      // Plain text is taken as it is: a leading "---" line there is text, not front matter.
      const text = decodeUtf8(bytes, rel);
      extracted = { text, bodyStart: 0, meta: {}, visibleChars: collapse(text).length };
      break;
    }
    case "markdown":
      extracted = extractMarkdown(decodeUtf8(bytes, rel), rel);
      break;
    // The parsers load on first use (about a second), so only the extraction process pays for them.
    case "html":
      extracted = (await import("./html.ts")).extractHtml(decodeHtml(bytes, rel), rel);
      break;
    case "pdf":
      return (await import("./pdf.ts")).extractPdf(bytes, rel, limits);
    case "docx":
      return (await import("./docx.ts")).extractDocx(bytes, rel, limits);
  }
  checkChars(extracted.text.length, limits, rel);
  return extracted;
}

/**
 * Reads a document under `limits`. PDF, Word and HTML go through a parser whose time and memory
 * grow with what the file holds, not with its size on disk: they are read in the extraction
 * process (isolated.ts), so a crash or a limit there costs that process only. Text and Markdown
 * are decoded here: that is linear in a file already capped at MAX_SOURCE_BYTES (2 MB), and a
 * corpus of thousands of them would otherwise pay a round trip each.
 */
export function readDocument(format: Format, bytes: Buffer, rel: string, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS): Promise<Extracted> {
  return needsRendition(format) ? extractIsolated(format, bytes, rel, limits) : extractDocument(format, bytes, rel, limits);
}
