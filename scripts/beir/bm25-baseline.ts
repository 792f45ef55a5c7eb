import MiniSearch from "minisearch";
import { stemmer } from "stemmer";

/**
 * The baseline the published figures use: a textbook BM25 over each document's title and text as
 * one field (Pyserini's "flat" index), Lucene's English stopwords and the Porter stemmer, with
 * Pyserini's BEIR parameters k1 = 0.9, b = 0.4. MiniSearch's BM25+ with d = 0 is plain BM25 (idf
 * log(1 + (N - n + 0.5) / (n + 0.5)), Lucene's). It shares nothing with the project's analyser.
 */
const LUCENE_STOPWORDS = new Set("a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with".split(" "));

export function bm25Baseline(docs: { id: string; title: string; text: string }[]): { search(query: string, k: number): string[] } {
  const index = new MiniSearch<{ id: string; body: string }>({
    fields: ["body"],
    storeFields: [],
    tokenize: (text) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [],
    processTerm: (term) => (LUCENE_STOPWORDS.has(term) ? null : stemmer(term)),
    searchOptions: { bm25: { k: 0.9, b: 0.4, d: 0 }, combineWith: "OR" },
  });
  index.addAll(docs.map((d) => ({ id: d.id, body: `${d.title} ${d.text}` })));
  return { search: (query, k) => index.search(query).slice(0, k).map((hit) => String(hit.id)) };
}
