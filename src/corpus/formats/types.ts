import { z } from "zod";

/** The formats a source document may have, by file extension. */
export const FORMATS = {
  text: [".txt"],
  markdown: [".md", ".markdown"],
  html: [".html", ".htm"],
  pdf: [".pdf"],
  docx: [".docx"],
} as const;
export type Format = keyof typeof FORMATS;

export const SUPPORTED_EXTENSIONS: readonly string[] = Object.values(FORMATS).flat();

/** Where a page of a PDF starts in its text rendition (`start` is a character offset). */
export const pageStartSchema = z.object({ start: z.number().int().min(0), page: z.number().int().min(1) });
export type PageStart = z.infer<typeof pageStartSchema>;

/**
 * What a document says about itself (HTML <title> and og: tags, PDF info, Markdown front
 * matter). Validated before use: a malformed URL is dropped, never propagated into citations.
 */
export const documentMetaSchema = z.object({
  title: z.string().trim().min(1).max(300).optional().catch(undefined),
  publisher: z.string().trim().min(1).max(200).optional().catch(undefined),
  author: z.string().trim().min(1).max(200).optional().catch(undefined),
  url: z.url({ protocol: /^https?$/ }).optional().catch(undefined),
  updated: z.string().trim().min(1).max(40).optional().catch(undefined),
});
export type DocumentMeta = z.infer<typeof documentMetaSchema>;

export interface Extracted {
  /** The text that is indexed and cited: the file itself for text formats, a rendition otherwise. */
  text: string;
  /** Offset where the document body starts (after Markdown front matter); 0 otherwise. */
  bodyStart: number;
  /** For PDFs: where each page starts in `text`. */
  pages?: PageStart[];
  meta: DocumentMeta;
  /** Characters of visible text in the original (white space collapsed), to report how much was dropped. */
  visibleChars: number;
}

/** Collapses runs of white space, so character counts compare across formats. */
export const collapse = (text: string) => text.replace(/\s+/g, " ").trim();

/** Keeps only the fields that validate; `undefined` for the rest. */
export function validMeta(meta: Record<string, unknown>): DocumentMeta {
  const parsed = documentMetaSchema.parse(Object.fromEntries(Object.entries(meta).filter(([, v]) => typeof v === "string" && v.trim())));
  return Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)) as DocumentMeta;
}
