import { z } from "zod";

export const feedbackInputSchema = z.object({
  answerId: z.string().min(1).max(100),
  rating: z.enum(["up", "down"]),
  comment: z.string().max(2000).optional(),
});
export type FeedbackInput = z.infer<typeof feedbackInputSchema>;

export const feedbackRecordSchema = feedbackInputSchema.extend({
  id: z.string(),
  at: z.string(),
  channel: z.enum(["api", "discord", "cli"]),
  /** Who gave it (API key id or Discord user id); never the API key itself. */
  user: z.string().optional(),
});
export type FeedbackRecord = z.infer<typeof feedbackRecordSchema>;
