import { z } from "zod";

/** One entry of corpus/sources.json: what is known about a source document. */
export const sourceMetaSchema = z.object({
  file: z.string().regex(/^[^/\\]+\.(txt|md|markdown|html?|pdf|docx)$/i, "must be a bare file name ending in .txt, .md, .markdown, .html, .htm, .pdf or .docx"),
  title: z.string().min(1),
  publisher: z.string().min(1).optional(),
  author: z.string().optional(),
  updated: z.string().optional(),
  url: z.string().url().nullable().default(null),
  kind: z.string().default("document"),
  notes: z.string().optional(),
});
export type SourceMeta = z.infer<typeof sourceMetaSchema>;

/**
 * sources.json `kind` values that mark a capture of a web page, whose navigation, ads, bylines,
 * "related" lists and comments are cleaned away (src/ingest/clean.ts). Any kind starting with
 * "web" counts too. Every other document (the default kind is "document") keeps all its text.
 */
export const WEB_CAPTURE_KINDS: readonly string[] = ["blog-post", "encyclopedia", "forum-post", "news-article"];

/** An HTML page, or a text capture sources.json marks as a web page. */
export function isWebCapture(format: string, kind: string): boolean {
  return format === "html" || /^web\b/i.test(kind) || WEB_CAPTURE_KINDS.includes(kind.toLowerCase());
}

/**
 * A source as the surfaces list it. `id` is the file name; `path` (relative to the repository
 * root) is what citations point at: the file itself, or for PDF, Word and HTML its text rendition;
 * `originalPath` is the file as added.
 */
export const sourceInfoSchema = z.object({
  id: z.string(),
  path: z.string(),
  originalPath: z.string(),
  format: z.enum(["text", "markdown", "html", "pdf", "docx"]),
  title: z.string(),
  publisher: z.string().nullable(),
  url: z.string().nullable(),
  kind: z.string(),
  chunks: z.number().int(),
  characters: z.number().int(),
  contentHash: z.string(),
  /** Share of the original's visible text left out as navigation, ads, footers or other boilerplate (0-1). */
  droppedShare: z.number().min(0).max(1),
  /** For PDFs: the number of pages with text. */
  pages: z.number().int().optional(),
});
export type SourceInfo = z.infer<typeof sourceInfoSchema>;

/** A source with its cleaned text: the kept spans joined, each with its raw offsets. */
export const sourceDetailSchema = sourceInfoSchema.extend({
  cleanedText: z.string(),
  spans: z.array(z.object({ start: z.number().int(), end: z.number().int(), kind: z.enum(["text", "heading", "list", "comment"]) })),
});
export type SourceDetail = z.infer<typeof sourceDetailSchema>;

/**
 * A source's raw text, exactly the UTF-8 file at `path`: citation offsets index into `text`
 * (`text.slice(start, end) === quote`). `spans` are the raw ranges cleaning kept; the rest is
 * page boilerplate that is never quoted.
 */
export const sourceTextSchema = sourceInfoSchema.extend({
  text: z.string(),
  spans: sourceDetailSchema.shape.spans,
});
export type SourceText = z.infer<typeof sourceTextSchema>;
