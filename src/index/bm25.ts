import MiniSearch, { type Options, type SearchOptions } from "minisearch";
import type { Chunk } from "../schema/passage.ts";
import { stem, STOPWORDS, words } from "../text/terms.ts";

interface Bm25Doc {
  id: string;
  text: string;
  section: string;
  terms: string;
}

/**
 * MiniSearch scores with BM25+. Terms are normalised and stemmed on both sides; the
 * section heading and, for glossary entries, the term and its aliases are separate,
 * boosted fields.
 */
export const bm25Options: Options<Bm25Doc> = {
  fields: ["text", "section", "terms"],
  storeFields: [],
  tokenize: (text) => words(text),
  processTerm: (term) => {
    if (STOPWORDS.has(term)) return null;
    const stemmed = stem(term);
    // "ones" stems to "on": a stopword after stemming is still a stopword.
    return STOPWORDS.has(stemmed) ? null : stemmed;
  },
};

/** Typo tolerance scales with word length: none for acronyms, one edit for 5-8 letters, two beyond. */
export const bm25SearchOptions: SearchOptions = {
  boost: { text: 1, section: 3, terms: 2 },
  fuzzy: (term) => (term.length >= 9 ? 0.2 : term.length >= 5 ? 0.15 : false),
  prefix: (term) => term.length >= 5,
  weights: { fuzzy: 0.45, prefix: 0.5 },
  combineWith: "OR",
};

export function bm25Document(chunk: Chunk, aliases: string[] = []): Bm25Doc {
  // A claim is found by its own words and by the words of the source passages it rests on.
  const claimWords = chunk.claim ? [...chunk.claim.tasks, ...chunk.claim.evidence.map((e) => e.quote)].join(" ") : "";
  return {
    id: chunk.id,
    text: claimWords ? `${chunk.text} ${claimWords}` : chunk.text,
    section: chunk.kind === "glossary" ? "" : chunk.section.slice(1).join(" "),
    terms: chunk.kind === "glossary" ? [chunk.title, ...aliases].join(" ") : "",
  };
}

export function buildBm25(chunks: Chunk[], aliasesBySlug: Map<string, string[]>): MiniSearch<Bm25Doc> {
  const index = new MiniSearch<Bm25Doc>(bm25Options);
  index.addAll(chunks.map((c) => bm25Document(c, c.term ? aliasesBySlug.get(c.term) : [])));
  return index;
}

export function loadBm25(json: string): MiniSearch<Bm25Doc> {
  return MiniSearch.loadJSON<Bm25Doc>(json, bm25Options);
}

