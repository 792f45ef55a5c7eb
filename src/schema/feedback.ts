import { z } from "zod";
import { answerModeSchema, answerSchema, answerStatusSchema } from "./answer.ts";

/** Where a question or a rating came from. */
export const channelSchema = z.enum(["api", "discord", "cli", "mcp"]);
export type Channel = z.infer<typeof channelSchema>;

/** Why an answer was rated 👎, in one click (the web page's and Discord's reason buttons). */
export const feedbackReasonSchema = z.enum(["wrong", "missing", "unclear", "off-topic"]).meta({
  description: "wrong: the answer is incorrect; missing: it leaves out what was asked; unclear: hard to follow; off-topic: it answers something else",
});
export type FeedbackReason = z.infer<typeof feedbackReasonSchema>;

export const feedbackInputSchema = z.object({
  answerId: z.string().min(1).max(100),
  rating: z.enum(["up", "down"]),
  reason: feedbackReasonSchema.optional(),
  /** The rater's own words (the reason box). */
  comment: z.string().max(2000).optional(),
});
export type FeedbackInput = z.infer<typeof feedbackInputSchema>;

/** A reason added to a rating already recorded (the rating counts at once; the reason may follow). */
export const feedbackAmendmentSchema = z
  .object({
    reason: feedbackReasonSchema.optional(),
    comment: z.string().trim().max(2000).optional(),
  })
  .strict()
  .refine((a) => a.reason !== undefined || Boolean(a.comment), { message: "give a reason, a comment, or both" });
export type FeedbackAmendment = z.infer<typeof feedbackAmendmentSchema>;

export const feedbackRecordSchema = feedbackInputSchema.extend({
  id: z.string(),
  at: z.string(),
  channel: channelSchema,
  /** Who gave it (API key id or Discord user id); never the API key itself. */
  user: z.string().optional(),
});
export type FeedbackRecord = z.infer<typeof feedbackRecordSchema>;

/** How the file store keeps an amendment: a line of its own after the record it amends. */
export const feedbackAmendmentLineSchema = z.object({
  amends: z.string(),
  at: z.string(),
  reason: feedbackReasonSchema.optional(),
  comment: z.string().optional(),
});
export type FeedbackAmendmentLine = z.infer<typeof feedbackAmendmentLineSchema>;

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
  /** Which corpus answered (the index's corpus hash): an answer after a corpus change can resolve a gap. */
  corpus: z.string().optional(),
  /** The whole answer, for its permanent link (GET /v1/answers/{id}); left out when LOG_QUESTIONS=false. */
  // An answer kept by an older or newer version that no longer validates only loses its link, never the entry.
  answer: answerSchema.optional().catch(undefined),
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
  id: z.string().meta({ description: "Names the group while it stays open (POST /v1/gaps/{id}/resolve); derived from its first question" }),
  count: z.number().int(),
  notFound: z.number().int().meta({ description: "How many of them were answered not_found" }),
  ratedDown: z.number().int().meta({ description: "How many of them were rated 👎" }),
  examples: z.array(z.string()).meta({ description: "Distinct wordings, most recent first (up to 5)" }),
  firstSeen: z.string(),
  lastSeen: z.string(),
  relatedTerms: z.array(z.string()).meta({ description: "Glossary terms the answers pointed to, most frequent first" }),
});
export type GapGroup = z.infer<typeof gapGroupSchema>;

/** A gap that no longer counts: a curator marked it resolved, or a question of it was answered after a corpus change. */
export const resolvedGapSchema = z.object({
  count: z.number().int(),
  examples: z.array(z.string()),
  resolvedAt: z.string(),
  resolvedBy: z.enum(["curator", "answered"]),
  /** For resolvedBy "answered": the question that was answered. */
  answered: z.string().optional(),
});
export type ResolvedGap = z.infer<typeof resolvedGapSchema>;

export const gapReportSchema = z.object({
  generatedAt: z.string(),
  similarity: z.number().meta({ description: "Cosine similarity above which two questions count as the same gap" }),
  questions: z.number().int().meta({ description: "Questions in the open groups (not_found or rated 👎, with their text logged; refused ones never count)" }),
  groups: z.array(gapGroupSchema).meta({ description: "Open gaps, largest group first" }),
  resolved: z.array(resolvedGapSchema).meta({ description: "Recently resolved gaps, newest first (up to 20); one asked again unanswered opens again" }),
});
export type GapReport = z.infer<typeof gapReportSchema>;

/**
 * A curator's "resolved" mark on a gap: the questions of the group as they were then. Those
 * questions asked up to `at` no longer count; asked again later and still unanswered, they do.
 */
export const gapResolutionSchema = z.object({
  id: z.string(),
  at: z.string(),
  /** The normalised wordings of the group's questions. */
  questions: z.array(z.string()),
  examples: z.array(z.string()),
  count: z.number().int(),
  user: z.string().optional(),
});
export type GapResolution = z.infer<typeof gapResolutionSchema>;
