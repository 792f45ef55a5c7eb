import type { GlossaryEntry } from "../schema/glossary.ts";
import type { Knowledge } from "./deterministic/knowledge.ts";

/**
 * Which glossary terms to suggest with an answer, above all with a not-found one: the entries
 * the question names, then the entries whose definition means about the same as the question.
 * Below the floor nothing is suggested, so a question the corpus knows nothing about ("What
 * does SLA mean?") gets no unrelated terms but a note on what the assistant covers.
 *
 * RELATED_FLOOR is the cosine similarity (USE-lite question vector against the defining
 * sentence of an entry, "X is ...") from which an entry counts as related. Measured with
 * `npm run calibrate:related` on eval/related-terms.jsonl (46 questions: 20 about things the
 * corpus does not touch, 26 that describe a glossary entry without naming it), on the entries
 * each question does not name, keeping those within RELATED_MARGIN of the closest:
 *   floor 0.45: precision 0.38, recall 0.57, unrelated questions with a suggestion 2 of 20
 *   floor 0.50: precision 0.52, recall 0.47, unrelated questions with a suggestion 0 of 20
 *   floor 0.55: precision 0.50, recall 0.27, unrelated questions with a suggestion 0 of 20
 * (the defining sentence beat the best of all sentences, 0.44 precision at 0.50, and the mean.)
 * 0.5 is the lowest floor at which no unrelated question gets a suggestion: a wrong hint costs
 * more trust than a missing one, and entries the question names never depend on it. Another
 * embedder (EMBEDDINGS=openai) has other similarities: re-run the calibration for it.
 */
export const RELATED_FLOOR = 0.5;
/** Entries further than this below the closest one are left out: one close entry is a better hint than three loose ones. */
export const RELATED_MARGIN = 0.05;

export interface RelatedTerm {
  slug: string;
  term: string;
  /** 1 for an entry the question names; else the similarity that passed the floor. */
  score: number;
  named: boolean;
}

/** The glossary as related-term suggestion sees it: its entries and how close a question vector is to each. */
export interface GlossarySimilarity {
  entries(): Iterable<GlossaryEntry>;
  /** Cosine similarity between the vector and the entry's defining sentence (the first: "X is ..."). */
  similarity(vector: number[], slug: string): number;
}

/** The glossary of a loaded index: each definition's sentence vectors (glossary chunks are `glossary:<slug>`). */
export function indexGlossary(knowledge: Pick<Knowledge, "glossaryBySlug" | "sentencesByChunk" | "similarity">): GlossarySimilarity {
  return {
    entries: () => knowledge.glossaryBySlug.values(),
    similarity(vector, slug) {
      const first = knowledge.sentencesByChunk.get(`glossary:${slug}`)?.[0];
      return first ? knowledge.similarity(vector, first) : -1;
    },
  };
}

export interface RelatedOptions {
  floor?: number;
  /** Only entries this close to the best one are kept (RELATED_MARGIN). */
  margin?: number;
  limit?: number;
}

/**
 * Named entries first (in the order named), then the closest others above the floor and
 * within the margin of the closest, best first; at most `limit` (3).
 */
export function relatedTerms(
  question: { vector?: number[]; named?: readonly GlossaryEntry[] },
  glossary: GlossarySimilarity,
  options: RelatedOptions = {},
): RelatedTerm[] {
  const floor = options.floor ?? RELATED_FLOOR;
  const margin = options.margin ?? RELATED_MARGIN;
  const limit = options.limit ?? 3;
  const named = [...new Map((question.named ?? []).map((e) => [e.slug, e])).values()];
  const out: RelatedTerm[] = named.map((e) => ({ slug: e.slug, term: e.term, score: 1, named: true }));
  if (question.vector && out.length < limit) {
    const close: RelatedTerm[] = [];
    for (const entry of glossary.entries()) {
      if (out.some((r) => r.slug === entry.slug)) continue;
      const score = glossary.similarity(question.vector, entry.slug);
      if (score >= floor) close.push({ slug: entry.slug, term: entry.term, score, named: false });
    }
    close.sort((a, b) => b.score - a.score || a.term.localeCompare(b.term));
    out.push(...close.filter((r) => r.score >= close[0]!.score - margin));
  }
  return out.slice(0, limit);
}

/** How many of the user's document titles a not-found answer names. */
const MAX_TITLES = 4;

/**
 * What a not-found answer says: that nothing is guessed, why (when known), and what to try
 * next. The related terms themselves travel in Answer.related and each surface lists them
 * once; with none, the answer says what the knowledge base covers and how to rephrase.
 */
export function notFoundText(options: { reason?: string; related: readonly string[]; glossaryTerms: number; ownDocuments?: readonly string[] }): string {
  const opening = `The knowledge base doesn't cover that, so I won't guess.${options.reason ? ` ${options.reason}` : ""}`;
  // A question about the user's own documents, or a corpus without the curated material, is not told what the
  // curated corpus covers: it is told which documents it was looked for in.
  const own = options.ownDocuments ?? [];
  if (own.length) {
    const named = own.slice(0, MAX_TITLES).map((t) => `"${t}"`);
    if (own.length > MAX_TITLES) named.push(`${own.length - MAX_TITLES} more`);
    return `${opening} It was looked for in the ${own.length === 1 ? "document" : `${own.length} documents`} you added (${new Intl.ListFormat("en", { type: "conjunction" }).format(named)}); try the words they use.`;
  }
  if (options.related.length) return `${opening} You could ask about ${new Intl.ListFormat("en", { type: "disjunction" }).format(options.related.map((t) => `"${t}"`))} instead.`;
  return (
    `${opening} The knowledge base covers outsourcing terminology (knowledge process outsourcing, business process outsourcing and ${options.glossaryTerms} glossary terms around them), ` +
    `with every answer quoted from its sources. Try rephrasing with one of those terms, e.g. "What is KPO?", "KPO vs BPO" or "What are the risks of KPO?".`
  );
}
