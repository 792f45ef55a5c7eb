import type { GlossaryMatch } from "../../retrieve/glossary-match.ts";
import type { GlossaryEntry } from "../../schema/glossary.ts";
import { escapeRegExp } from "../../text/terms.ts";
import type { Passage } from "../types.ts";
import { AnswerBuilder, withContext, type Located } from "./builder.ts";
import type { Knowledge, Sentence } from "./knowledge.ts";
import type { AnalyzedQuestion } from "./question.ts";
import { pickDiverse, type Query, type Scored } from "./scoring.ts";

/** Everything a strategy needs to compose one answer. */
export interface ComposeContext {
  knowledge: Knowledge;
  question: AnalyzedQuestion;
  query: Query;
  passages: Passage[];
  matches: GlossaryMatch[];
  /** The glossary terms the question names, each once. */
  subjects: GlossaryEntry[];
  /** For compound questions: each part with its own embedding. */
  parts?: { text: string; vector: number[] }[];
  builder: AnswerBuilder;
}

/** Sentences kept must score at least this share of the best one. */
export const RELATIVE_FLOOR = 0.6;
/** Curated claims state a fact plainly; between a claim and a quote of equal relevance, the claim leads. */
export const CLAIM_BONUS = 0.05;

/** One pattern per glossary entry, built once: whether a text names the entry or one of its aliases. */
const entryPatterns = new WeakMap<GlossaryEntry, RegExp>();
export function namesEntry(entry: GlossaryEntry, text: string): boolean {
  let pattern = entryPatterns.get(entry);
  if (!pattern) {
    pattern = new RegExp(`\\b(?:${[entry.term, ...entry.aliases].map(escapeRegExp).join("|")})\\b`, "i");
    entryPatterns.set(entry, pattern);
  }
  return pattern.test(text);
}

/** Whether a sentence is about one of the question's subjects (by name in the sentence, its section or its document). */
export function aboutSubject(subjects: GlossaryEntry[], sentence: Sentence): boolean {
  if (subjects.length === 0) return true;
  const context = `${sentence.text} ${sentence.chunk.section.join(" ")} ${sentence.chunk.title}`;
  return subjects.some((e) => namesEntry(e, context));
}

export const isClaim = (s: Scored) => s.sentence.chunk.kind === "topic";

/** Claims of the best claim's topic note stay together: "who coined it" and "where did he study" are one story. */
export const COHESION_BONUS = 0.04;

/** Claims lead by a small margin over quotes of equal relevance, and claims of the leading topic a little more. */
export function favourClaims(scored: Scored[]): Scored[] {
  const leadTopic = scored.find(isClaim)?.sentence.chunk.claim?.topic;
  return scored
    .map((s) => (isClaim(s) ? { ...s, score: s.score + CLAIM_BONUS + (s.sentence.chunk.claim?.topic === leadTopic ? COHESION_BONUS : 0) } : s))
    .sort((a, b) => b.score - a.score || a.sentence.index - b.sentence.index);
}

/**
 * Renders picked sentences: first the picks in order of relevance (claims in our words, quotes
 * verbatim), then, under "In the sources", the verbatim evidence of the claims shown, so every
 * plain-words statement sits next to the text it rests on.
 */
export function renderPicks(ctx: ComposeContext, picked: Scored[], label?: string, supportCap = 3): void {
  const { builder, knowledge } = ctx;
  const lead: Located[] = picked.map((s) => (isClaim(s) ? { chunkId: s.sentence.chunk.id, span: s.sentence.span } : withContext(knowledge, s.sentence, s.needsPrevious)));
  builder.paragraph(lead, label);
  const support = picked
    .filter(isClaim)
    .flatMap((s) => builder.evidenceOf(s.sentence.chunk.id).slice(0, 1))
    .filter((l) => !builder.shows(l))
    .slice(0, supportCap);
  if (support.length) builder.paragraph(support, "In the sources");
}

/** The best claims and quotes for a question (or one part of it), diverse and above the relevance floors. */
export function bestPicks(ctx: ComposeContext, scored: Scored[], cap: number, accept?: (s: Scored) => boolean): Scored[] {
  return pickDiverse(ctx.knowledge, favourClaims(scored), cap, RELATIVE_FLOOR, accept);
}
