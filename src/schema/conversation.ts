import { z } from "zod";

/** Longest question accepted (after trimming), by every surface; earlier questions of a conversation too. */
export const MAX_QUESTION_CHARS = 2000;
/** Longest earlier answer accepted in a conversation's history (answers are a few thousand characters). */
export const MAX_HISTORY_ANSWER_CHARS = 8000;
/** Most earlier turns a follow-up carries. */
export const MAX_HISTORY_TURNS = 10;

/** One earlier turn of a conversation, as a surface receives it (the HTTP API, `kpo ask --history`). */
export const conversationTurnSchema = z
  .object({
    question: z.string().trim().min(1).max(MAX_QUESTION_CHARS).meta({ description: "An earlier question, as it was typed", example: "What is BPO?" }),
    answer: z
      .string()
      .max(MAX_HISTORY_ANSWER_CHARS)
      .optional()
      .meta({ description: 'The answer text it got (optional): people and places it named can be pointed at, and "tell me more" leaves out what it showed' }),
  })
  .strict();
export type ConversationTurn = z.infer<typeof conversationTurnSchema>;

/** The earlier turns, oldest first. */
export const historySchema = z.array(conversationTurnSchema).max(MAX_HISTORY_TURNS);

/** The most recent turns that fit: a longer conversation keeps its last MAX_HISTORY_TURNS. */
export function recentTurns<T>(turns: readonly T[]): T[] {
  return turns.slice(-MAX_HISTORY_TURNS);
}
