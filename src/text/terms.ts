import { createHash } from "node:crypto";
import { stemmer } from "stemmer";

/**
 * Text normalisation shared by indexing and querying, so both sides see the same terms.
 * Handles what users type in chat: "K.P.O.", "bpo's", "KPOs", curly quotes, accents.
 */

export const STOPWORDS = new Set(
  `a about above after again against all also am an and any are aren't as at be because been before being below between both but by
  can could did do does doing don't down during each few for from further had has have having he her here hers herself him himself his how
  i if in into is isn't it it's its itself just let's me more most my myself no nor not of off on once only or other ought our ours
  ourselves out over own same she should so some such than that the their theirs them themselves then there these they this those through
  to too under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves`
    .split(/\s+/)
    .filter(Boolean),
);

/** Lower-case, strip accents and possessives, and close up dotted acronyms (K.P.O. -> kpo). */
export function normalizeText(text: string): string {
  // Plain ASCII (most text) has no accents or curly quotes to fold: skip the Unicode passes.
  const folded = /^[\x00-\x7f]*$/.test(text) ? text : text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[\u2018\u2019\u02bc]/g, "'");
  return folded
    .toLowerCase()
    .replace(/\b((?:[a-z]\.){2,})/g, (m) => m.replace(/\./g, ""))
    .replace(/(\w)'s\b/g, "$1")
    .replace(/(\w)s'(?=\s|$)/g, "$1s");
}

/** Words (letters/digits runs, keeping inner hyphens split) of normalised text. */
export function words(text: string): string[] {
  return normalizeText(text).match(/[\p{L}\p{N}]+(?:[.,]\d+)*/gu) ?? [];
}

/** Acronym plurals ("kpos", "bpos") map to the acronym; everything else goes through Porter2. */
export function stem(word: string): string {
  let stemmed = stems.get(word);
  if (stemmed === undefined) {
    // A vocabulary is small next to the text it is read from: each word is stemmed once, not on every use.
    if (stems.size >= MAX_MEMOISED_STEMS) stems.clear();
    stemmed = /^[a-z]{2,4}s$/.test(word) && !/[aeiou]/.test(word.slice(1, -1)) ? word.slice(0, -1) : stemmer(word);
    stems.set(word, stemmed);
  }
  return stemmed;
}
const stems = new Map<string, string>();
const MAX_MEMOISED_STEMS = 500_000;

/** Content words before stemming: normalised, without stopwords and stray single letters ("bpo n kpo"). */
export function contentWords(text: string): string[] {
  return contentWordsOf(words(text));
}

function contentWordsOf(textWords: string[]): string[] {
  return textWords.filter((w) => !STOPWORDS.has(w) && !/^\p{L}$/u.test(w) && !STOPWORDS.has(stem(w)));
}

/** Content terms for matching: normalised, stopwords removed, stemmed. */
export function contentTerms(text: string): string[] {
  return contentTermsOf(words(text));
}

/** Content terms of words already split by `words` (for callers that need both). */
export function contentTermsOf(textWords: string[]): string[] {
  return contentWordsOf(textWords).map(stem);
}

/** Key for alias lookups: "K.P.O.", "kpo's", " KPO " all give "kpo". */
export function normalizeTerm(text: string): string {
  return words(text).join(" ");
}

/** Letter-or-digit runs, the word count used for chunk sizes and boilerplate rules. */
export function wordCount(text: string): number {
  return (text.match(/[\p{L}\p{N}]+/gu) ?? []).length;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Identifies the index-time token rules (stopwords, normaliser, word splitter, stemmer): part of
 * the index fingerprint, so changing any of them rebuilds an existing index.
 */
export const TOKEN_RULES = createHash("sha256")
  .update([[...STOPWORDS].sort().join(" "), normalizeText, words, stem, contentWords].map(String).join("\n"))
  .digest("hex")
  .slice(0, 16);
