import { z } from "zod";
import { answerModeSchema, answerStatusSchema } from "./answer.ts";

/** Where a question or a rating came from. */
export const channelSchema = z.enum(["api", "discord", "cli", "mcp"]);
export type Channel = z.infer<typeof channelSchema>;

export const feedbackInputSchema = z.object({
  answerId: z.string().min(1).max(100),
  rating: z.enum(["up", "down"]),
  comment: z.string().max(2000).optional(),
});
export type FeedbackInput = z.infer<typeof feedbackInputSchema>;

export const feedbackRecordSchema = feedbackInputSchema.extend({
  id: z.string(),
  at: z.string(),
  channel: channelSchema,
  /** Who gave it (API key id or Discord user id); never the API key itself. */
  user: z.string().optional(),
});
export type FeedbackRecord = z.infer<typeof feedbackRecordSchema>;

/**
 * One issued answer, as the question log keeps it. `question` is null when LOG_QUESTIONS=false
 * (the answer id, outcome and sources are still kept, so feedback can be checked and counted).
 */
export const questionLogEntrySchema = z.object({
  answerId: z.string(),
  question: z.string().nullable(),
  status: answerStatusSchema,
  mode: answerModeSchema,
  /** Source ids the answer cites, in citation order, without repeats. */
  sources: z.array(z.string()),
  /** Glossary terms the answer suggested (for not_found answers: the closest terms). */
  related: z.array(z.string()),
  latencyMs: z.number(),
  channel: channelSchema,
  at: z.string(),
});
export type QuestionLogEntry = z.infer<typeof questionLogEntrySchema>;

/** A feedback record with the question and outcome of the answer it rates (GET /v1/feedback). */
export const feedbackListItemSchema = feedbackRecordSchema.extend({
  question: z.string().nullable(),
  answerStatus: answerStatusSchema.nullable(),
});
export type FeedbackListItem = z.infer<typeof feedbackListItemSchema>;

/** One group of the coverage-gap report: questions that mean about the same thing. */
export const gapGroupSchema = z.object({
  count: z.number().int(),
  notFound: z.number().int().meta({ description: "How many of them were answered not_found" }),
  ratedDown: z.number().int().meta({ description: "How many of them were rated 👎" }),
  examples: z.array(z.string()).meta({ description: "Distinct wordings, most recent first (up to 5)" }),
  firstSeen: z.string(),
  lastSeen: z.string(),
  relatedTerms: z.array(z.string()).meta({ description: "Glossary terms the answers pointed to, most frequent first" }),
});
export type GapGroup = z.infer<typeof gapGroupSchema>;

export const gapReportSchema = z.object({
  generatedAt: z.string(),
  similarity: z.number().meta({ description: "Cosine similarity above which two questions count as the same gap" }),
  questions: z.number().int().meta({ description: "Questions considered (not_found or rated 👎, with their text logged)" }),
  groups: z.array(gapGroupSchema).meta({ description: "Largest group first" }),
});
export type GapReport = z.infer<typeof gapReportSchema>;
