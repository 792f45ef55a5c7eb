import type { ListType } from "../../schema/passage.ts";
import { stem } from "../../text/terms.ts";
import type { Passage } from "../types.ts";
import type { Knowledge, Sentence } from "./knowledge.ts";
import { synonymsOf, topicWords } from "./query-words.ts";
import { namesPlace, type AnalyzedQuestion } from "./question.ts";

/** How much a context word (preamble, trailing remark) counts next to a word of the question itself. */
const CONTEXT_WEIGHT = 0.35;
/**
 * Every claim is scored whether retrieval ranked it or not, so for claims the retrieval prior is a weak
 * signal; for document sentences it is what brings the right passage forward.
 */
const WEIGHTS = { dense: 0.45, lexical: 0.4, prior: 0.08, claimPrior: 0.04, section: 0.2, vocabulary: 0.08, namedSource: 0.15, place: 0.15 };

export const SECTION_FOR: Record<ListType, RegExp> = {
  risks: /risk|disadvantage|drawback|downside|challenge/i,
  benefits: /benefit|advantage|reason|importance/i,
  examples: /type|example|service|industr|domain|function|kinds of work/i,
};
export const LIST_VOCAB: Record<ListType, RegExp> = {
  risks: /\b(risk\w*|disadvantage\w*|compromis\w*|threat\w*|los[st]\w*|concern\w*|challeng\w*|barrier\w*|lack|inability|cannot|security|confidential\w*|quality)\b/i,
  benefits: /\b(benefit\w*|advantage\w*|reduc\w*|sav\w*|cost|flexib\w*|efficien\w*|cheaper|value|productiv\w*|competitive\w*|nimble)\b/i,
  examples: /\b(include\w*|such as|e\.g\.|research|analys\w*|services?|domains?)\b/i,
};

/** A question ready for scoring: its topic terms with weights (IDF, lower for context words) and its embedding. */
export interface Query {
  question: AnalyzedQuestion;
  terms: Map<string, number>;
  vector: number[];
  /** Sentences an earlier answer already showed (see ComposeInput.avoidText): not picked again. */
  shown?: (text: string) => boolean;
}

export interface Scored {
  sentence: Sentence;
  score: number;
  dense: number;
  lexical: number;
  /** The sentence only answers together with the one before it ("The year before, 2005, it had been $1.3 billion"). */
  needsPrevious: boolean;
}

/** How much an unknown verb, adjective or adverb weighs next to an unknown noun. */
const GENERIC_WEIGHT = 0.5;

/**
 * Query terms resolved against the corpus vocabulary (typos corrected), weighted by rarity. A
 * noun the corpus never uses weighs the most (a question about salaries cannot be covered by
 * passages that never mention them); an unknown verb or adjective ("fancy", "hit") much less.
 */
export function queryTerms(knowledge: Knowledge, focus: string, context = "", generic: string[] = []): Map<string, number> {
  const terms = new Map<string, number>();
  const genericWords = new Set(generic);
  const add = (text: string, weight: number) => {
    for (const word of topicWords(text)) {
      const known = knowledge.resolve(word);
      const resolved = known ?? stem(word);
      const rarity = knowledge.idfOf(resolved) * (known === undefined && genericWords.has(word) ? GENERIC_WEIGHT : 1);
      if (!terms.has(resolved)) terms.set(resolved, rarity * weight);
    }
  };
  add(focus, 1);
  add(context, CONTEXT_WEIGHT);
  return terms;
}

/** Share of the query's weight present in a set of terms; a synonym counts a little less than the word itself. */
export function coverage(terms: Map<string, number>, present: Set<string>): number {
  let total = 0;
  let hit = 0;
  for (const [t, w] of terms) {
    total += w;
    if (present.has(t)) hit += w;
    else if (synonymsOf(t).some((s) => present.has(s))) hit += 0.7 * w;
  }
  return total ? hit / total : 0;
}

export interface ScoreOptions {
  listType?: ListType;
  /** Whether a sentence is about the question's subject; sentences that are not lose a little. */
  aboutSubject?: (sentence: Sentence) => boolean;
}

/**
 * Scores every sentence of the passages (claims of topic notes included) by meaning, word
 * coverage and retrieval rank. Glossary entries speak for definitions and comparisons only;
 * reader comments are never quoted.
 */
export function scoreSentences(knowledge: Knowledge, query: Query, passages: Passage[], options: ScoreOptions = {}): Scored[] {
  const { listType, aboutSubject } = options;
  const why = /^\W*why\b/i.test(query.question.focus);
  const figures = query.question.figures;
  // "What does the Wikipedia article say ...": sentences of the source the question names come first.
  const namedSources = knowledge.sourcesNamedIn(query.question.text);
  // Within a question the rarest words are its crux ("free up", "study"): sentence ranking squares the rarity
  // weights so that covering the crux beats covering several common words. The evidence gate keeps plain weights.
  // In a where-question the place is the crux: its verb ("done", "based") says what happens there, not which sentence says where.
  const light = new Set(query.question.wantsPlace ? query.question.generic.map((w) => knowledge.resolve(w) ?? stem(w)) : []);
  const terms = new Map([...query.terms].filter(([t]) => !light.has(t)).map(([t, w]) => [t, w * w]));
  const top = Math.max(...passages.map((p) => p.score), 1e-9);
  const scored: Scored[] = [];
  for (const p of passages) {
    if (p.kind === "comment" || p.kind === "glossary") continue;
    const siblings = knowledge.sentencesByChunk.get(p.id) ?? [];
    for (const sentence of siblings) {
      if (query.shown?.(sentence.text)) continue;
      const dense = round(knowledge.similarity(query.vector, sentence));
      const own = coverage(terms, sentence.terms);
      const previous = siblings[sentence.position - 1];
      const withPrevious = previous ? 0.9 * coverage(terms, new Set([...sentence.terms, ...previous.terms])) : 0;
      const needsPrevious = withPrevious > own + 0.15 && own > 0;
      const lexical = round(needsPrevious ? withPrevious : own);
      const words = sentence.text.split(/\s+/).length;
      const heading = p.kind === "topic" ? (p.claim?.listType ? p.claim.listType : "") : (p.section.at(-1) ?? "");
      let score = WEIGHTS.dense * dense + WEIGHTS.lexical * lexical + (p.claim ? WEIGHTS.claimPrior : WEIGHTS.prior) * Math.min(1, p.score / top);
      // A claim in a note of that kind gets half the bonus of a quote under such a heading: notes are broad, headings narrow.
      if (listType && p.claim?.listType === listType) score += WEIGHTS.section / 2;
      else if (listType && SECTION_FOR[listType].test(heading)) score += WEIGHTS.section;
      if (listType && LIST_VOCAB[listType].test(sentence.text)) score += WEIGHTS.vocabulary;
      if (words < 4 && p.kind !== "list") score -= 0.2;
      // A reasons or benefits heading helps a why-question only where the sentence is on its topic.
      if (why && lexical >= 0.3 && /reason|why|importan|benefit|advantage/i.test(heading)) score += 0.1;
      if (aboutSubject && !aboutSubject(sentence)) score -= 0.1;
      // "Where is most KPO done?" is answered by a sentence that names a place.
      if (query.question.wantsPlace && namesPlace(sentence.text)) score += WEIGHTS.place;
      if (sentence.text.endsWith("?")) score -= 0.15;
      if (namedSources.size && (namedSources.has(p.sourceId) || p.claim?.evidence.some((e) => namedSources.has(e.sourceId)))) score += WEIGHTS.namedSource;
      // A year or figure the question names is a constraint: sentences that state it answer it.
      if (figures.length) score += 0.2 * (figures.filter((f) => sentence.text.includes(f)).length / figures.length);
      scored.push({ sentence, score: round(score), dense, lexical, needsPrevious });
    }
  }
  return scored.sort((a, b) => b.score - a.score || a.sentence.index - b.sentence.index);
}

/** Nothing below this is relevant enough to show, however few sentences that leaves. */
export const ABSOLUTE_FLOOR = 0.3;

/** Greedy maximal-marginal-relevance pick: relevant (above a floor relative to the best, and an absolute one), and not a near-repeat of what is already chosen. */
export function pickDiverse(knowledge: Knowledge, candidates: Scored[], cap: number, floor: number, accept: (s: Scored) => boolean = () => true, chosenBefore: Scored[] = []): Scored[] {
  const best = candidates[0]?.score ?? 0;
  const chosen: Scored[] = [];
  const pool = candidates.filter((c) => c.score >= best * floor && c.score >= ABSOLUTE_FLOOR && accept(c));
  while (chosen.length < cap && pool.length) {
    let bestIndex = -1;
    let bestValue = -Infinity;
    const against = [...chosenBefore, ...chosen];
    pool.forEach((c, i) => {
      // A quote of what a chosen claim rests on (or a claim resting on a chosen quote) says the same thing again.
      if (against.some((s) => restsOn(s.sentence, c.sentence) || restsOn(c.sentence, s.sentence))) return;
      const redundancy = Math.max(0, ...against.map((s) => knowledge.between(s.sentence, c.sentence)));
      const value = 0.75 * c.score - 0.25 * redundancy;
      if (redundancy < 0.88 && !against.some((s) => jaccard(s.sentence.terms, c.sentence.terms) > 0.6) && value > bestValue) {
        bestValue = value;
        bestIndex = i;
      }
    });
    if (bestIndex < 0) break;
    chosen.push(pool.splice(bestIndex, 1)[0]!);
  }
  return chosen;
}

export const round = (x: number) => Math.round(x * 1e4) / 1e4;

function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const t of a) if (b.has(t)) inter++;
  const union = a.size + b.size - inter;
  return union ? inter / union : 0;
}

/** Whether a claim's evidence includes (overlaps) a source sentence. */
function restsOn(claim: Sentence, sentence: Sentence): boolean {
  return (claim.chunk.claim?.evidence ?? []).some((e) => e.path === sentence.chunk.path && e.start < sentence.span.end && sentence.span.start < e.end);
}
