import type { GlossaryMatch } from "../../retrieve/glossary-match.ts";
import { contentTerms, contentWords, escapeRegExp, normalizeTerm, stem, synonymsOf } from "../../text/terms.ts";
import type { Answer, Citation } from "../../schema/answer.ts";
import type { GlossaryEntry } from "../../schema/glossary.ts";
import type { Chunk, Span } from "../../schema/passage.ts";
import { citationFor } from "../citations.ts";
import type { Passage } from "../../schema/passage.ts";
import { classify, type Intent, type ListType } from "./intent.ts";
export { questionParts } from "./intent.ts";
import type { Knowledge, Sentence } from "./knowledge.ts";

/**
 * Extractive answer composer. Every sentence it outputs is a verbatim quote of a corpus
 * sentence or glossary definition, with its citation; the same question over the same index
 * gives the same output. Thresholds below were calibrated on eval/dev.jsonl (answerable
 * versus out-of-scope questions) with `npm run eval`; see README "Answering".
 */
export const THRESHOLDS = {
  /** Share of the question's IDF mass the best passage must cover for an answer (unknown words weigh most). */
  minCoverage: 0.45,
  /** A strong semantic match can stand in for word coverage down to this floor. */
  minCoverageWithDense: 0.3,
  minDense: 0.55,
  /** Sentences kept must score at least this share of the best one. */
  relativeFloor: 0.6,
  listRelativeFloor: 0.45,
};

const WEIGHTS = { dense: 0.45, lexical: 0.4, prior: 0.15, section: 0.2, vocabulary: 0.08 };
const CAPS = { general: 3, list: 7, listItems: 10, support: 2, compare: 3 };
const ANAPHOR = /^(this|these|that|those|it|they|such|as a result|therefore|thus|so)\b/i;
const SECTION_FOR: Record<ListType, RegExp> = {
  risks: /risk|disadvantage|drawback|downside|challenge/i,
  benefits: /benefit|advantage|reason|importance/i,
  examples: /type|example|service|industr|domain|function/i,
};
const LIST_VOCAB: Record<ListType, RegExp> = {
  risks: /\b(risk\w*|disadvantage\w*|compromis\w*|threat\w*|los[st]\w*|concern\w*|challeng\w*|barrier\w*|lack|inability|cannot|security|confidential\w*|quality)\b/i,
  benefits: /\b(benefit\w*|advantage\w*|reduc\w*|sav\w*|cost|flexib\w*|efficien\w*|cheaper|value|productiv\w*|competitive\w*|nimble)\b/i,
  examples: /\b(include\w*|such as|e\.g\.|research|analys\w*|services?|domains?)\b/i,
};
const COMPARATIVE = /\b(differ\w*|difference|whereas|while|unlike|by contrast|than|subset|continuation|evolv\w*|compared|versus|vs\.?|both|high-end|former|latter)\b/i;

export interface ComposeInput {
  id: string;
  question: string;
  passages: Passage[];
  queryVector: number[];
  matches: GlossaryMatch[];
  /** For compound questions: each part with its own embedding (see questionParts). */
  parts?: { text: string; vector: number[] }[];
}

interface Scored {
  sentence: Sentence;
  score: number;
  dense: number;
  lexical: number;
  /** The sentence only answers together with the one before it ("The year before, 2005, it had been $1.3 billion"). */
  needsPrevious: boolean;
}

export interface Evidence {
  coverage: number;
  dense: number;
  answerable: boolean;
}

type Composed = Pick<Answer, "status" | "answer" | "citations" | "related">;

export class DeterministicComposer {
  constructor(private readonly knowledge: Knowledge) {}

  /** Query terms resolved against the corpus vocabulary (typos corrected), with their weights. */
  private queryTerms(question: string, exclude: Set<string> = new Set()): Map<string, number> {
    const terms = new Map<string, number>();
    for (const word of contentWords(question)) {
      const resolved = this.knowledge.resolve(word) ?? stem(word);
      if (exclude.has(resolved)) continue;
      terms.set(resolved, this.knowledge.idfOf(resolved));
    }
    return terms;
  }

  private coverage(terms: Map<string, number>, present: Set<string>): number {
    let total = 0;
    let hit = 0;
    for (const [t, w] of terms) {
      total += w;
      if (present.has(t)) hit += w;
      // A synonym counts, a little less than the word itself.
      else if (synonymsOf(t).some((s) => present.has(s))) hit += 0.7 * w;
    }
    return total ? hit / total : 0;
  }

  /** How well the best passage covers the question, and how close the best sentence is in meaning. */
  evidence(question: string, passages: Passage[], queryVector: number[]): Evidence {
    const terms = this.queryTerms(question);
    let coverage = 0;
    let dense = 0;
    for (const p of passages.slice(0, 8)) {
      const sentences = this.knowledge.sentencesByChunk.get(p.id) ?? [];
      const present = new Set(contentTerms(`${p.section.slice(1).join(" ")} ${p.kind === "glossary" ? p.title : ""}`));
      for (const s of sentences) for (const t of s.terms) present.add(t);
      coverage = Math.max(coverage, this.coverage(terms, present));
      for (const s of sentences) dense = Math.max(dense, this.knowledge.similarity(queryVector, s));
    }
    const answerable = coverage >= THRESHOLDS.minCoverage || (coverage >= THRESHOLDS.minCoverageWithDense && dense >= THRESHOLDS.minDense);
    return { coverage: round(coverage), dense: round(dense), answerable };
  }

  /**
   * Whether a sentence is about one of the terms the question names (by name or alias in
   * the sentence, its section or its document title). Empty subjects mean any sentence is.
   */
  private aboutSubject(subjects: GlossaryEntry[], sentence: Sentence): boolean {
    if (subjects.length === 0) return true;
    const context = `${sentence.text} ${sentence.chunk.section.join(" ")} ${sentence.chunk.title}`;
    return subjects.some((e) => namesEntry(e, context));
  }

  private score(question: string, passages: Passage[], queryVector: number[], listType?: ListType, subjects: GlossaryEntry[] = []): Scored[] {
    const terms = this.queryTerms(question);
    const why = /^\W*why\b/i.test(question);
    const top = passages[0]?.score || 1;
    const scored: Scored[] = [];
    for (const p of passages) {
      for (const sentence of this.knowledge.sentencesByChunk.get(p.id) ?? []) {
        // Lists and general answers quote the documents; the glossary speaks for definitions and comparisons.
        if (p.kind === "comment" || p.kind === "glossary") continue;
        const dense = round(this.knowledge.similarity(queryVector, sentence));
        const own = this.coverage(terms, sentence.terms);
        const previous = this.knowledge.sentencesByChunk.get(p.id)?.[sentence.position - 1];
        const withPrevious = previous ? 0.9 * this.coverage(terms, new Set([...sentence.terms, ...previous.terms])) : 0;
        const needsPrevious = withPrevious > own + 0.15 && own > 0;
        const lexical = round(needsPrevious ? withPrevious : own);
        const words = sentence.text.split(/\s+/).length;
        let score = WEIGHTS.dense * dense + WEIGHTS.lexical * lexical + WEIGHTS.prior * (p.score / top);
        if (listType && SECTION_FOR[listType].test(p.section.at(-1) ?? "")) score += WEIGHTS.section;
        if (listType && LIST_VOCAB[listType].test(sentence.text)) score += WEIGHTS.vocabulary;
        if (words < 4 && p.kind !== "list") score -= 0.2;
        if (why && /reason|why|importan|benefit|advantage/i.test(p.section.at(-1) ?? "")) score += 0.1;
        if (!this.aboutSubject(subjects, sentence)) score -= 0.1;
        if (sentence.text.endsWith("?")) score -= 0.15;
        scored.push({ sentence, score: round(score), dense, lexical, needsPrevious });
      }
    }
    return scored.sort((a, b) => b.score - a.score || a.sentence.index - b.sentence.index);
  }

  /** Greedy maximal-marginal-relevance pick: relevant, and not a near-repeat of what is already chosen. */
  private pick(candidates: Scored[], cap: number, floor: number, accept: (s: Scored) => boolean = () => true): Scored[] {
    const best = candidates[0]?.score ?? 0;
    const chosen: Scored[] = [];
    const pool = candidates.filter((c) => c.score >= best * floor && accept(c));
    while (chosen.length < cap && pool.length) {
      let bestIndex = -1;
      let bestValue = -Infinity;
      pool.forEach((c, i) => {
        const redundancy = Math.max(0, ...chosen.map((s) => this.knowledge.between(s.sentence, c.sentence)));
        const value = 0.75 * c.score - 0.25 * redundancy;
        if (redundancy < 0.88 && !chosen.some((s) => jaccard(s.sentence.terms, c.sentence.terms) > 0.6) && value > bestValue) {
          bestValue = value;
          bestIndex = i;
        }
      });
      if (bestIndex < 0) break;
      chosen.push(pool.splice(bestIndex, 1)[0]!);
    }
    return chosen;
  }

  compose(input: ComposeInput): Composed {
    const { question, passages, queryVector, matches } = input;
    const intent = classify(question, matches, (t) => this.knowledge.vocabulary.has(t));
    const related = this.related(matches, passages);
    const evidence = this.evidence(question, passages, queryVector);
    if (!evidence.answerable && intent.kind !== "definition" && intent.kind !== "comparison") return notFound(related);

    const builder = new AnswerBuilder().bind(this);
    const subjects = [...new Map(matches.map((m) => [m.entry.slug, m.entry])).values()];
    switch (intent.kind) {
      case "definition":
        this.define(builder, intent.term, question, passages, queryVector);
        break;
      case "comparison":
        this.compare(builder, intent, question, passages, queryVector);
        break;
      case "list":
        this.list(builder, intent.listType, question, passages, queryVector, matches);
        break;
      case "general": {
        const parts = input.parts && input.parts.length > 1 ? input.parts : [{ text: question, vector: queryVector }];
        // Each part of a compound question gets its share of sentences, best first, without repeats.
        const cap = parts.length > 1 ? 2 : CAPS.general;
        for (const part of parts) {
          const picked = this.pick(this.score(part.text, passages, part.vector, undefined, subjects), cap, THRESHOLDS.relativeFloor);
          builder.paragraph(picked.map((s) => this.withContext(s.sentence, s.needsPrevious)));
        }
        break;
      }
    }
    if (builder.isEmpty()) return notFound(related);
    return { status: "answered", ...builder.build(), related: related.filter((r) => !builder.mentions(r)) };
  }

  /**
   * A list answer: the best-matching list in the documents (a bulleted section such as
   * "Risks", or items glued into one line) quoted whole as one citation, then the most
   * relevant prose sentences from other passages, de-duplicated.
   */
  private list(builder: AnswerBuilder, listType: ListType, question: string, passages: Passage[], queryVector: number[], matches: GlossaryMatch[]): void {
    const subjects = [...new Map(matches.map((m) => [m.entry.slug, m.entry])).values()];
    // A section titled "Risks" (or "Types", "Benefits") in a document about the question's subject answers
    // "what are the risks of X" even when its sentences never repeat X, so such sections join the
    // candidates beyond what retrieval ranked, at the lowest retrieved score.
    const names = subjects.flatMap((e) => [e.term, ...e.aliases].map(normalizeTerm));
    const headedBySubject = (c: Chunk) => names.some((n) => normalizeTerm(`${c.title} ${c.section.join(" ")}`).includes(n));
    const floor = passages.at(-1)?.score ?? 0;
    const extra: Passage[] = this.knowledge.chunks
      .filter((c) => headedBySubject(c) && SECTION_FOR[listType].test(c.section.at(-1) ?? "") && !passages.some((p) => p.id === c.id))
      .map((c) => ({ ...c, score: floor, ranks: {}, scores: {} }));
    const candidates = [...passages, ...extra];
    // A list about X is built only from sentences about X: KPO's risks are not BPO's.
    const scored = this.score(question, candidates, queryVector, listType, subjects).filter((c) => this.aboutSubject(subjects, c.sentence));
    const listChunk = candidates
      .filter((p) => names.length === 0 || headedBySubject(p))
      .filter((p) => p.kind !== "glossary" && p.kind !== "comment" && SECTION_FOR[listType].test(p.section.at(-1) ?? ""))
      .map((p) => ({ p, items: this.listItems(p.id) }))
      .find((c) => c.items.length >= 3);
    let used = 0;
    if (listChunk) {
      const items = listChunk.items.slice(0, CAPS.listItems);
      const intro = (this.knowledge.sentencesByChunk.get(listChunk.p.id) ?? []).find((s) => s.text.endsWith(":") && s.span.end <= items[0]!.span.start);
      const span = { start: (intro ?? items[0]!).span.start, end: items.at(-1)!.span.end };
      builder.list({ chunkId: listChunk.p.id, span }, items.map((i) => i.text), intro?.text);
      used = 1;
    }
    const inList = (s: Sentence) => listChunk !== undefined && s.chunk.id === listChunk.p.id;
    // A prose item must be about the kind of thing asked for: in a "Risks" section, or using risk words.
    const onTopic = (c: Scored) => SECTION_FOR[listType].test(c.sentence.chunk.section.at(-1) ?? "") || LIST_VOCAB[listType].test(c.sentence.text);
    const prose = this.pick(scored, CAPS.list - used * 3, THRESHOLDS.listRelativeFloor, (c) => !inList(c.sentence) && onTopic(c) && !isListItem(c.sentence));
    for (const s of this.inReadingOrder(prose)) builder.bullet(this.withContext(s));
  }

  /** Items of a bulleted chunk, or short unpunctuated pieces glued into one line ("consultantsResearch and development"). */
  private listItems(chunkId: string): Sentence[] {
    const sentences = this.knowledge.sentencesByChunk.get(chunkId) ?? [];
    if (sentences[0]?.chunk.kind === "list") return sentences;
    const items = sentences.filter(isListItem);
    return items.length >= 3 ? items : [];
  }

  /** Glossary definition first, then up to two corpus sentences that use the term. */
  private define(builder: AnswerBuilder, term: GlossaryEntry, question: string, passages: Passage[], queryVector: number[]): void {
    builder.labelled(term.term, [this.definitionSpan(term)]);
    const candidates = this.score(`${question} ${term.term}`, passages.filter((p) => p.kind !== "glossary"), queryVector).filter((c) =>
      namesEntry(term, c.sentence.text),
    );
    const support = this.pick(candidates, CAPS.support, THRESHOLDS.relativeFloor);
    if (support.length) builder.paragraph(support.map((s) => this.withContext(s.sentence, s.needsPrevious)), "In the sources");
  }

  private compare(builder: AnswerBuilder, intent: Extract<Intent, { kind: "comparison" }>, question: string, passages: Passage[], queryVector: number[]): void {
    builder.labelled(intent.a.term, [this.firstSentence(intent.a)]);
    builder.labelled(intent.b.term, [this.firstSentence(intent.b)]);
    const candidates = this.score(question, passages.filter((p) => p.kind !== "glossary"), queryVector).filter(
      (c) =>
        (namesEntry(intent.a, c.sentence.text) && namesEntry(intent.b, c.sentence.text)) ||
        COMPARATIVE.test(c.sentence.text) ||
        ((namesEntry(intent.a, c.sentence.text) || namesEntry(intent.b, c.sentence.text)) && c.lexical >= 0.3),
    );
    const boosted = candidates
      .map((c) => ({ ...c, score: round(c.score + (namesEntry(intent.a, c.sentence.text) && namesEntry(intent.b, c.sentence.text) ? 0.1 : 0)) }))
      .sort((x, y) => y.score - x.score || x.sentence.index - y.sentence.index);
    const picked = this.pick(boosted, CAPS.compare, THRESHOLDS.relativeFloor);
    if (picked.length) builder.paragraph(picked.map((s) => this.withContext(s.sentence, s.needsPrevious)), "In the sources");
  }

  private definitionSpan(term: GlossaryEntry): Located {
    const sentences = this.knowledge.sentencesByChunk.get(`glossary:${term.slug}`) ?? [];
    // The first two sentences: a definition and its contrast, without the whole entry.
    const used = sentences.slice(0, 2);
    if (used.length === 0) return { chunkId: `glossary:${term.slug}`, span: { start: term.start, end: term.end } };
    return { chunkId: `glossary:${term.slug}`, span: { start: used[0]!.span.start, end: used.at(-1)!.span.end } };
  }

  private firstSentence(term: GlossaryEntry): Located {
    const first = this.knowledge.sentencesByChunk.get(`glossary:${term.slug}`)?.[0];
    return { chunkId: `glossary:${term.slug}`, span: first ? first.span : { start: term.start, end: term.end } };
  }

  /** A sentence that leans on its neighbour ("This can make them less expensive") is quoted with it. */
  private withContext(sentence: Sentence, needsPrevious = false): Located {
    const siblings = this.knowledge.sentencesByChunk.get(sentence.chunk.id) ?? [];
    let start = sentence.span.start;
    let end = sentence.span.end;
    const previous = siblings[sentence.position - 1];
    const next = siblings[sentence.position + 1];
    if ((needsPrevious || ANAPHOR.test(sentence.text)) && previous && sentence.chunk.kind !== "list") start = previous.span.start;
    else if (next && ANAPHOR.test(next.text) && sentence.chunk.kind !== "list") end = next.span.end;
    return { chunkId: sentence.chunk.id, span: { start, end } };
  }

  private inReadingOrder(picked: Scored[]): Sentence[] {
    // Items from one list stay in the list's order; lists and documents keep their ranking.
    const firstRank = new Map<string, number>();
    picked.forEach((p, i) => firstRank.set(p.sentence.chunk.id, Math.min(firstRank.get(p.sentence.chunk.id) ?? i, i)));
    return [...picked]
      .sort((a, b) => firstRank.get(a.sentence.chunk.id)! - firstRank.get(b.sentence.chunk.id)! || a.sentence.index - b.sentence.index)
      .map((p) => p.sentence);
  }

  /** Glossary terms worth suggesting: those named in the question, then those retrieval surfaced. */
  private related(matches: GlossaryMatch[], passages: Passage[]): string[] {
    const slugs = [...matches.map((m) => m.entry.slug), ...passages.filter((p) => p.kind === "glossary").map((p) => p.term!)];
    const names = [...new Set(slugs)].map((s) => this.knowledge.glossaryBySlug.get(s)?.term).filter((t): t is string => Boolean(t));
    return names.slice(0, 3);
  }

  chunkText(chunkId: string, span: Span): string {
    const chunk = this.knowledge.chunksById.get(chunkId)!;
    return chunk.text.slice(span.start - chunk.start, span.end - chunk.start);
  }

  buildCitation(located: Located, n: number): Citation {
    return citationFor(this.knowledge.chunksById.get(located.chunkId)!, located.span, n);
  }

  /** Renders the builder's parts with citations numbered in order of first appearance. */
  render(parts: Part[]): { answer: string; citations: Citation[] } {
    const citations: Citation[] = [];
    const numberOf = new Map<string, number>();
    const cite = (l: Located) => {
      const key = `${l.chunkId}@${l.span.start}-${l.span.end}`;
      let n = numberOf.get(key);
      if (!n) {
        n = citations.length + 1;
        numberOf.set(key, n);
        citations.push(this.buildCitation(l, n));
      }
      return `${citations[n - 1]!.quote.replace(/\s*\n+\s*(?:[-*•]\s+)?/g, " ")} [${n}]`;
    };
    const blocks = parts.map((part) => {
      if (part.kind === "list") {
        const marker = cite(part.items[0]!).match(/\[\d+\]$/)![0];
        const bullets = part.listItems!.map((item) => `- ${item} ${marker}`).join("\n");
        return part.intro ? `${part.intro} ${marker}\n${bullets}` : bullets;
      }
      const body = part.items.map(cite).join(" ");
      if (part.kind === "bullet") return `- ${body}`;
      return part.label ? `**${part.label}:** ${body}` : body;
    });
    // Consecutive bullets form one list; other parts are paragraphs.
    const answer = blocks.reduce((out, block, i) => (i === 0 ? block : `${out}${parts[i]!.kind === "bullet" && parts[i - 1]!.kind === "bullet" ? "\n" : "\n\n"}${block}`), "");
    return { answer, citations };
  }
}

interface Located {
  chunkId: string;
  span: Span;
}

interface Part {
  kind: "paragraph" | "bullet" | "list";
  label?: string;
  items: Located[];
  /** For "list": the item texts, each shown as a bullet carrying the one citation of the whole list. */
  listItems?: string[];
  intro?: string;
}

/** Collects the quoted parts of an answer; merges overlapping or adjacent quotes of one chunk. */
class AnswerBuilder {
  private readonly parts: Part[] = [];
  private composer?: DeterministicComposer;
  private readonly seen: Located[] = [];

  /** Drops quotes already shown and trims a quote that overlaps one already shown, so no sentence appears twice. */
  private fresh(items: Located[]): Located[] {
    const out: Located[] = [];
    for (const item of items) {
      let { start, end } = item.span;
      for (const seen of this.seen) {
        if (seen.chunkId !== item.chunkId || seen.span.end <= start || seen.span.start >= end) continue;
        if (seen.span.start <= start && seen.span.end >= end) {
          start = end;
          break;
        }
        // Quotes are whole sentences, so the overlap is a run of shared sentences at one end.
        if (seen.span.start <= start) start = seen.span.end;
        else end = seen.span.start;
      }
      const text = this.composer!.chunkText(item.chunkId, { start, end });
      const lead = text.length - text.trimStart().length;
      const trimmed = text.trim();
      if (!trimmed) continue;
      const located = { chunkId: item.chunkId, span: { start: start + lead, end: start + lead + trimmed.length } };
      this.seen.push(located);
      out.push(located);
    }
    return out;
  }

  labelled(label: string, items: Located[]): void {
    const f = this.fresh(items);
    if (f.length) this.parts.push({ kind: "paragraph", label, items: f });
  }

  paragraph(items: Located[], label?: string): void {
    const f = this.fresh(items);
    if (f.length) this.parts.push({ kind: "paragraph", label, items: f });
  }

  list(whole: Located, items: string[], intro?: string): void {
    const f = this.fresh([whole]);
    if (f.length) this.parts.push({ kind: "list", items: f, listItems: items, intro });
  }

  bullet(item: Located): void {
    const f = this.fresh([item]);
    if (f.length) this.parts.push({ kind: "bullet", items: f });
  }

  isEmpty(): boolean {
    return this.parts.length === 0;
  }

  mentions(term: string): boolean {
    return this.parts.some((p) => p.label === term);
  }

  bind(composer: DeterministicComposer): this {
    this.composer = composer;
    return this;
  }

  build(): { answer: string; citations: Citation[] } {
    return this.composer!.render(this.parts);
  }
}

/** A list item: short, and not a sentence (no closing punctuation), or a bullet. */
function isListItem(s: Sentence): boolean {
  return s.chunk.kind === "list" || (!/[.!?:;]$/.test(s.text) && s.text.split(/\s+/).length <= 8);
}

function notFound(related: string[]): Composed {
  const hint = related.length ? ` Related terms you could look up: ${related.join(", ")}.` : "";
  return {
    status: "not_found",
    answer: `The knowledge base doesn't cover that, so I won't guess.${hint}`,
    citations: [],
    related,
  };
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** One pattern per glossary entry, built once: whether a text names the entry or one of its aliases. */
const entryPatterns = new WeakMap<GlossaryEntry, RegExp>();
function namesEntry(entry: GlossaryEntry, text: string): boolean {
  let pattern = entryPatterns.get(entry);
  if (!pattern) {
    pattern = new RegExp(`\\b(?:${[entry.term, ...entry.aliases].map(escapeRegExp).join("|")})\\b`, "i");
    entryPatterns.set(entry, pattern);
  }
  return pattern.test(text);
}
function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const t of a) if (b.has(t)) inter++;
  const union = a.size + b.size - inter;
  return union ? inter / union : 0;
}

