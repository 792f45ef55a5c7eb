import type { GlossaryEntry } from "../../../schema/glossary.ts";
import { bestPicks, namesEntry, renderPicks, type ComposeContext } from "../context.ts";
import { round, scoreSentences } from "../scoring.ts";
import { definitionSpan } from "./definition.ts";

const CAP = 3;
const COMPARATIVE = /\b(differ\w*|difference|whereas|while|unlike|by contrast|than|subset|continuation|evolv\w*|compared|versus|vs\.?|both|high-end|former|latter)\b/i;

/** What relates the two terms first (the claims and sentences that compare them), then both terms' definitions. */
export function comparison(ctx: ComposeContext, a: GlossaryEntry, b: GlossaryEntry): void {
  const both = (text: string) => namesEntry(a, text) && namesEntry(b, text);
  const candidates = scoreSentences(ctx.knowledge, ctx.query, ctx.passages)
    .filter((c) => both(c.sentence.text) || COMPARATIVE.test(c.sentence.text) || ((namesEntry(a, c.sentence.text) || namesEntry(b, c.sentence.text)) && c.lexical >= 0.3))
    .map((c) => ({ ...c, score: round(c.score + (both(c.sentence.text) ? 0.1 : 0)) }))
    .sort((x, y) => y.score - x.score || x.sentence.index - y.sentence.index);
  const picked = bestPicks(ctx, candidates, CAP);
  if (picked.length) renderPicks(ctx, picked, undefined, 2);
  ctx.builder.paragraph([definitionSpan(ctx, a, 1)], a.term);
  ctx.builder.paragraph([definitionSpan(ctx, b, 1)], b.term);
}
