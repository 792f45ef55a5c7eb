import { settingsSchema, type Settings } from "../../config/settings.ts";
import { DocumentLimitError } from "../../errors.ts";

/**
 * What reading one document may take. A PDF, Word or HTML file is read in a separate process
 * (isolated.ts) under all of them, so a zip bomb, a 100,000-page PDF or a parser that runs away
 * costs that process, never the server; each limit is a setting with a default, and going over
 * one is a DocumentLimitError naming it.
 */
export interface ExtractLimits {
  /** Uncompressed bytes of one entry of a DOCX (a zip), as declared and as actually inflated. */
  maxZipEntryBytes: number;
  /** Uncompressed bytes of all entries of a DOCX together. */
  maxZipTotalBytes: number;
  /** Pages of a PDF. */
  maxPages: number;
  /** Characters of text extracted from one document. */
  maxChars: number;
  /** Wall time of one extraction, in milliseconds. */
  timeoutMs: number;
  /** Memory of the extraction process (its V8 heap limit and its resident size), in MB. */
  maxMemoryMb: number;
}

const MB = 1024 * 1024;

export function extractLimits(settings: Pick<Settings, "EXTRACT_MAX_ZIP_ENTRY_MB" | "EXTRACT_MAX_UNZIPPED_MB" | "EXTRACT_MAX_PAGES" | "EXTRACT_MAX_CHARS" | "EXTRACT_TIMEOUT_MS" | "EXTRACT_MAX_MEMORY_MB">): ExtractLimits {
  return {
    maxZipEntryBytes: Math.floor(settings.EXTRACT_MAX_ZIP_ENTRY_MB * MB),
    maxZipTotalBytes: Math.floor(settings.EXTRACT_MAX_UNZIPPED_MB * MB),
    maxPages: settings.EXTRACT_MAX_PAGES,
    maxChars: settings.EXTRACT_MAX_CHARS,
    timeoutMs: settings.EXTRACT_TIMEOUT_MS,
    maxMemoryMb: settings.EXTRACT_MAX_MEMORY_MB,
  };
}

/** The limits of the default settings, for callers that were given none. */
export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = extractLimits(settingsSchema.parse({}));

export const megabytes = (bytes: number) => `${Math.round((bytes / MB) * 100) / 100} MB`;

/** Throws once extracted text passes EXTRACT_MAX_CHARS (checked as text accumulates, not only at the end). */
export function checkChars(length: number, limits: ExtractLimits, rel: string): void {
  if (length > limits.maxChars) {
    throw new DocumentLimitError(rel, "EXTRACT_MAX_CHARS", `yields more than ${limits.maxChars.toLocaleString("en")} characters of text; split it into smaller files`);
  }
}
