import MiniSearch, { type Options, type SearchOptions } from "minisearch";
import { LEXICAL_BOOSTS, LEXICAL_FIELDS, lexicalTerm, PREFIX_MIN_LENGTH, type InThreadLexicalIndex, type LexicalDocument } from "./lexical.ts";
import { words } from "../text/terms.ts";

/**
 * The lexical engine the project used before SQLite FTS5: MiniSearch (BM25+, fuzzy and prefix
 * expansion of every query term), all in memory. Kept as the baseline `npm run bench:lexical`
 * compares against, and as an in-memory index for tests that need no files.
 */
const options: Options<LexicalDocument> = {
  fields: [...LEXICAL_FIELDS],
  storeFields: [],
  tokenize: (text) => words(text),
  processTerm: lexicalTerm,
};

const searchOptions: SearchOptions = {
  boost: LEXICAL_BOOSTS,
  fuzzy: (term) => (term.length >= 9 ? 0.2 : term.length >= 5 ? 0.15 : false),
  prefix: (term) => term.length >= PREFIX_MIN_LENGTH,
  weights: { fuzzy: 0.45, prefix: 0.5 },
  combineWith: "OR",
};

export function buildMiniSearchIndex(documents: LexicalDocument[]): InThreadLexicalIndex {
  const index = new MiniSearch<LexicalDocument>(options);
  index.addAll(documents);
  return wrap(index);
}

export function serializeMiniSearchIndex(index: InThreadLexicalIndex): string {
  return JSON.stringify((index as MiniSearchLexicalIndex).engine);
}

export function loadMiniSearchIndex(json: string): InThreadLexicalIndex {
  return wrap(MiniSearch.loadJSON<LexicalDocument>(json, options));
}

type MiniSearchLexicalIndex = InThreadLexicalIndex & {
  engine: MiniSearch<LexicalDocument>;
};

function wrap(engine: MiniSearch<LexicalDocument>): MiniSearchLexicalIndex {
  return {
    engine,
    get size() {
      return engine.documentCount;
    },
    search: (query, k) => engine.search(query, searchOptions).slice(0, k).map((h) => ({ id: String(h.id), score: h.score })),
    close: () => undefined,
  };
}
