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

/** How the answer was checked; present on LLM answers (and their fallbacks) when there is something to say. */
export const diagnosticsSchema = z.object({
  /** LLM sentences removed because no cited passage supported them (or they relayed an instruction). */
  droppedSentences: z.number().int().min(0).optional(),
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
  diagnostics: diagnosticsSchema.optional(),
  resolvedQuestion: z.string().optional(),
});
export type Answer = z.infer<typeof answerSchema>;

/**
 * Streaming: text deltas, the citations they use, then the final Answer. Deterministic answers
 * send their citations first (they exist whole); LLM answers send each verified sentence as a
 * delta and the citations actually used after them. `done` always carries the final Answer,
 * which supersedes the deltas when an LLM answer fell back after some were sent.
 */
export type AnswerEvent =
  | { type: "citations"; citations: Citation[] }
  | { type: "delta"; text: string }
  | { type: "done"; answer: Answer };

/** A question as every surface accepts it. */
export const questionSchema = z.string().trim().min(1).max(2000);

export const askOptionsSchema = z.object({
  mode: answerModeSchema.optional(),
  k: z.number().int().min(1).max(20).optional(),
  /** Earlier turns of the conversation, oldest first (conversations are stateless). */
  history: z.array(z.object({ question: z.string(), answer: z.string().optional() })).max(10).optional(),
});
export type AskOptions = z.infer<typeof askOptionsSchema> & {
  /** Aborted when the caller stops waiting; the LLM request is aborted with it. */
  signal?: AbortSignal;
};
