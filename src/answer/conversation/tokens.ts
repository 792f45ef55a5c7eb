import { nlp } from "../../text/nlp.ts";

/**
 * A question as words with their part-of-speech tags (compromise), keeping the spacing and
 * punctuation around each word, so a word can be replaced and the text put back together as
 * the user typed it.
 */
export interface Token {
  text: string;
  /** Punctuation and spaces before and after the word, as typed. */
  pre: string;
  post: string;
  /** Lower case, without punctuation. */
  normal: string;
  tags: Set<string>;
  /** Which sentence of the text the word is in. */
  sentence: number;
}

interface CompromiseTerm {
  text: string;
  pre: string;
  post: string;
  normal: string;
  tags: string[];
}

export function tokenize(text: string): Token[] {
  const sentences = nlp(text).json() as { terms: CompromiseTerm[] }[];
  return sentences.flatMap((s, sentence) =>
    s.terms.map((t) => ({ text: t.text, pre: t.pre, post: t.post, normal: t.normal || t.text.toLowerCase(), tags: new Set(t.tags), sentence })),
  );
}

/** The tokens back as text; a sentence break the tokens lost gets a space (a hyphen or slash joins words as typed). */
export function render(tokens: Token[]): string {
  let out = "";
  for (const t of tokens) {
    const piece = `${t.pre}${t.text}${t.post}`;
    out += out && !/[\s\-/]$/.test(out) && !/^\s/.test(piece) ? ` ${piece}` : piece;
  }
  return out.trim();
}

/** A stand-in token carrying text that replaces words (an antecedent), spaced like the word it replaces. */
export function insertion(text: string, like?: Pick<Token, "pre" | "post">): Token {
  return { text, pre: like?.pre ?? "", post: like?.post ?? " ", normal: text.toLowerCase(), tags: new Set(["Inserted"]), sentence: -1 };
}

export const is = (t: Token | undefined, ...tags: string[]): boolean => t !== undefined && tags.some((tag) => t.tags.has(tag));

/** A verb of the sentence (a copula or auxiliary counts): a fragment ("and the downsides?") has none. */
export const isVerb = (t: Token | undefined): boolean => is(t, "Verb") && !is(t, "Noun");

/** Where a clause ends: after a sentence, a comma, colon, semicolon or dash, or before a coordinating conjunction. */
export function clauseBreakAfter(tokens: Token[], i: number): boolean {
  const t = tokens[i]!;
  const next = tokens[i + 1];
  return next === undefined || next.sentence !== t.sentence || /[,;:–—-]|[.?!]/.test(t.post) || is(next, "Conjunction");
}
