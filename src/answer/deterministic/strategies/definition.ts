import type { GlossaryEntry } from "../../../schema/glossary.ts";
import type { Located } from "../builder.ts";
import { bestPicks, namesEntry, renderPicks, type ComposeContext } from "../context.ts";
import { queryTerms, scoreSentences } from "../scoring.ts";

const SUPPORT = 2;

/** The glossary's first two sentences (a definition and its contrast, without the whole entry). */
export function definitionSpan(ctx: ComposeContext, term: GlossaryEntry, sentences = 2): Located {
  const chunkId = `glossary:${term.slug}`;
  const used = (ctx.knowledge.sentencesByChunk.get(chunkId) ?? []).slice(0, sentences);
  if (used.length === 0) return { chunkId, span: { start: term.start, end: term.end } };
  return { chunkId, span: { start: used[0]!.span.start, end: used.at(-1)!.span.end } };
}

/** Glossary definition first, then up to two claims or corpus sentences that name the term. */
export function definition(ctx: ComposeContext, term: GlossaryEntry): void {
  ctx.builder.paragraph([definitionSpan(ctx, term)], term.term);
  const query = { ...ctx.query, terms: queryTerms(ctx.knowledge, `${ctx.question.focus} ${term.term}`, "", ctx.question.generic) };
  const scored = scoreSentences(ctx.knowledge, query, ctx.passages).filter((c) => namesEntry(term, c.sentence.text));
  const picked = bestPicks(ctx, scored, SUPPORT);
  if (picked.length) renderPicks(ctx, picked, "In the sources", 1);
}
