import type { Asks } from "./asks.ts";
import type { Knowledge } from "./knowledge.ts";
import type { Scored } from "./gate.ts";
import type { AnswerModel } from "./model.ts";
import type { Unit } from "./units.ts";

/**
 * Two units say the same thing when their meaning is this close (USE-lite cosine of their
 * sentences): restatements of one fact (a glossary definition and the source sentence it rests on)
 * measured 0.80-0.82 here, distinct facts about one subject 0.55-0.65.
 */
const SAME_MEANING = 0.78;
/** ... or when they share this share of their content terms. */
const SAME_WORDS = 0.6;

/**
 * The units an answer shows: the best one first, then others only while they clear the same
 * relevance bar (a share of the best one's probability and an absolute floor) and say something
 * new. Plain questions get a few sentences; lists and comparisons a few more.
 */
export type AnswerShape = "plain" | "wide" | "definition";

/** What an answer is asked to be: several items (a list or a comparison), a definition, or a plain answer. */
export function shapeOf(asks: Asks): AnswerShape {
  return asks.listType || asks.pair ? "wide" : asks.defines !== undefined ? "definition" : "plain";
}

export function selectUnits(knowledge: Knowledge, ranked: Scored[], policy: AnswerModel["policy"], shape: AnswerShape): Scored[] {
  const first = ranked[0];
  if (!first) return [];
  const chosen: Scored[] = [first];
  const cap = shape === "wide" ? policy.maxListUnits : shape === "definition" ? policy.maxDefinitionUnits : policy.maxUnits;
  const bar = Math.max(policy.absolute, (shape === "wide" ? policy.relativeWide : policy.relative) * first.p);
  for (const candidate of ranked.slice(1)) {
    if (chosen.length >= cap || candidate.p < bar) break;
    if (chosen.some((c) => redundant(knowledge, c.unit, candidate.unit))) continue;
    chosen.push(candidate);
  }
  return chosen;
}

/** Whether two units would state the same fact: overlapping citations, or nearly the same meaning or words. */
export function redundant(knowledge: Knowledge, a: Unit, b: Unit): boolean {
  if (a.id === b.id) return true;
  if (citesOverlap(knowledge, a, b)) return true;
  if (knowledge.between(a.sentence, b.sentence) >= SAME_MEANING) return true;
  return jaccard(a.terms, b.terms) >= SAME_WORDS;
}

function citesOverlap(knowledge: Knowledge, a: Unit, b: Unit): boolean {
  const path = (chunkId: string) => knowledge.chunksById.get(chunkId)?.path;
  return a.cites.some((x) => b.cites.some((y) => path(x.chunkId) === path(y.chunkId) && x.span.start < y.span.end && y.span.start < x.span.end));
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const t of a) if (b.has(t)) inter++;
  const union = a.size + b.size - inter;
  return union ? inter / union : 0;
}
