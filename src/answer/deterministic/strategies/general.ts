import { aboutSubject, bestPicks, renderPicks, type ComposeContext } from "../context.ts";
import { queryTerms, scoreSentences } from "../scoring.ts";

const CAP = 3;
const CAP_PER_PART = 2;

/** The most relevant claims and sentences; a compound question gets its share per part, without repeats. */
export function general(ctx: ComposeContext): void {
  const parts = ctx.parts && ctx.parts.length > 1 ? ctx.parts : [{ text: ctx.question.focus, vector: ctx.query.vector }];
  const cap = parts.length > 1 ? CAP_PER_PART : CAP;
  for (const part of parts) {
    const query = parts.length > 1 ? { ...ctx.query, terms: queryTerms(ctx.knowledge, part.text, "", ctx.question.generic), vector: part.vector } : ctx.query;
    const scored = scoreSentences(ctx.knowledge, query, ctx.passages, { aboutSubject: (s) => aboutSubject(ctx.subjects, s) });
    renderPicks(ctx, bestPicks(ctx, scored, cap));
  }
}
