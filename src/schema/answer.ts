import { z } from "zod";

export const answerStatusSchema = z.enum(["answered", "not_found", "refused"]);
export const answerModeSchema = z.enum(["deterministic", "llm"]);
export type AnswerMode = z.infer<typeof answerModeSchema>;
export const fallbackReasonSchema = z.enum(["timeout", "rate_limited", "server_error", "malformed", "unverified", "network"]);

/**
 * Citation invariant: reading `path` (relative to the repository root) as UTF-8 gives
 * `text.slice(start, end) === quote`.
 */
export const citationSchema = z.object({
  n: z.number().int().min(1),
  sourceId: z.string(),
  path: z.string(),
  title: z.string(),
  url: z.string().nullable(),
  section: z.string(),
  quote: z.string(),
  start: z.number().int().min(0),
  end: z.number().int().min(0),
  /** For a PDF source: the 1-based page the quote starts on. */
  page: z.number().int().min(1).optional(),
});
export type Citation = z.infer<typeof citationSchema>;

export const timingsSchema = z.object({
  retrieveMs: z.number(),
  composeMs: z.number(),
  llmMs: z.number().optional(),
  totalMs: z.number(),
});

/** The one Answer type every surface returns and renders. */
export const answerSchema = z.object({
  id: z.string(),
  question: z.string(),
  status: answerStatusSchema,
  /** Markdown with inline [n] markers; every [n] has a citation and every citation is referenced. */
  answer: z.string(),
  citations: z.array(citationSchema),
  mode: answerModeSchema,
  fallbackReason: fallbackReasonSchema.optional(),
  /** Glossary terms worth looking up next (suggestions for not_found answers, related terms otherwise). */
  related: z.array(z.string()).default([]),
  timings: timingsSchema,
});
export type Answer = z.infer<typeof answerSchema>;

/** Streaming: citations first, then text deltas, then the final verified Answer. */
export type AnswerEvent =
  | { type: "citations"; citations: Citation[] }
  | { type: "delta"; text: string }
  | { type: "done"; answer: Answer };

export const askOptionsSchema = z.object({
  mode: answerModeSchema.optional(),
  k: z.number().int().min(1).max(20).optional(),
});
export type AskOptions = z.infer<typeof askOptionsSchema>;
