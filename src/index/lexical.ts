import type { Chunk } from "../schema/passage.ts";
import { stem, STOPWORDS, words } from "../text/terms.ts";

/** One ranked hit of a lexical engine: higher scores rank first. */
export interface LexicalHit {
  id: string;
  score: number;
}

/** The lexical (BM25) retriever's seam: SQLite FTS5 in the index, MiniSearch as the bench's baseline. */
export interface LexicalIndex {
  /** Documents in the index. */
  readonly size: number;
  /**
   * The `k` best documents for a free-text query, best first; [] when the query has no content
   * terms. In this thread, or answered from another (lexical-worker.ts) so it runs beside the
   * query's embedding.
   */
  search(query: string, k: number): LexicalHit[] | Promise<LexicalHit[]>;
  /** Releases the engine's files (an index replaced by a live reload). */
  close(): void;
}

/** A lexical index searched in the calling thread. */
export type InThreadLexicalIndex = Omit<LexicalIndex, "search"> & { search(query: string, k: number): LexicalHit[] };

/**
 * What is indexed of a chunk: its text, its section heading, for a glossary entry its term and
 * aliases, and for a passage of a source the title of its document (a passage is about what its
 * document's title says, even when its own sentences never name it).
 */
export interface LexicalDocument {
  id: string;
  text: string;
  section: string;
  terms: string;
  title: string;
}

export const LEXICAL_FIELDS = ["text", "section", "terms", "title"] as const;
export type LexicalField = (typeof LEXICAL_FIELDS)[number];

/**
 * A heading or a glossary term that matches says more than a word in running text. A title word
 * counts as one in the text: BM25 over title and text as one field, the flat BM25 of the
 * published baselines (measured on SciFact's training queries: docs/retrieval.md).
 */
export const LEXICAL_BOOSTS: Record<LexicalField, number> = { text: 1, section: 3, terms: 2, title: 1 };

/** Query terms at least this long also match longer terms they begin ("outsourc" finds "outsourcer"). */
export const PREFIX_MIN_LENGTH = 5;

/** Typo tolerance scales with term length: none for acronyms and short words, one edit for 5-8 letters, two beyond. */
export function typoDistance(term: string): number {
  return term.length >= 9 ? 2 : term.length >= 5 ? 1 : 0;
}

/** A normalised word as the index sees it: stemmed, or null for a stopword. */
export function lexicalTerm(word: string): string | null {
  if (STOPWORDS.has(word)) return null;
  const stemmed = stem(word);
  // "ones" stems to "on": a stopword after stemming is still a stopword.
  return STOPWORDS.has(stemmed) ? null : stemmed;
}

/** The index terms of a text, in order, repeats kept (they are term frequencies). */
export function lexicalTerms(text: string): string[] {
  return words(text).flatMap((w) => lexicalTerm(w) ?? []);
}

export function lexicalDocument(chunk: Chunk, aliases: string[] = []): LexicalDocument {
  // A claim is found by its own words and by the words of the source passages it rests on.
  const claimWords = chunk.claim ? [...chunk.claim.tasks, ...chunk.claim.evidence.map((e) => e.quote)].join(" ") : "";
  return {
    id: chunk.id,
    text: claimWords ? `${chunk.text} ${claimWords}` : chunk.text,
    section: chunk.kind === "glossary" ? "" : chunk.section.slice(1).join(" "),
    terms: chunk.kind === "glossary" ? [chunk.title, ...aliases].join(" ") : "",
    title: chunk.kind === "glossary" || chunk.kind === "topic" ? "" : chunk.title,
  };
}

export function lexicalDocuments(chunks: Chunk[], aliasesBySlug: Map<string, string[]>): LexicalDocument[] {
  return chunks.map((c) => lexicalDocument(c, c.term ? aliasesBySlug.get(c.term) : []));
}
