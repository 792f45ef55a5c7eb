import type { GlossaryEntry } from "../../schema/glossary.ts";
import type { GlossaryMatcher } from "../../retrieve/glossary-match.ts";
import { normalizeTerm, STOPWORDS } from "../../text/terms.ts";
import { topicWords } from "../deterministic/query-words.ts";
import { is, tokenize, type Token } from "./tokens.ts";

/**
 * What a question talks about: the glossary terms, places, people and other noun phrases it
 * names, where (token positions), and which of them is its subject. A follow-up's pronouns and
 * elliptical phrases are resolved against these.
 */
export interface Mention {
  /** As typed (or, for a term found in an answer, the glossary's own spelling). */
  text: string;
  kind: "term" | "place" | "person" | "thing";
  plural: boolean;
  /** Token span [start, end) in the text it was found in. */
  start: number;
  end: number;
  /** One of two alternatives offered ("Is bookkeeping KPO or BPO?"): the frame of the question, not its subject. */
  inChoice?: boolean;
  entry?: GlossaryEntry;
}

export interface Topic {
  tokens: Token[];
  mentions: Mention[];
  /** What the question is about: its first term, person or place outside a choice, else its first noun phrase. */
  subject?: Mention;
  /** Two things named together ("KPO and BPO", "KPO or BPO", "between KPO and BPO"). */
  pair?: [Mention, Mention];
  /** A plural noun phrase with what it belongs to ("the benefits of KPO"), which "those" may point back at. */
  frame?: string;
}

export type Matcher = Pick<GlossaryMatcher, "match">;

/** The longest glossary term a span may be (in words). */
const MAX_TERM_WORDS = 6;

/** A glossary entry about a person: its definition refers to the term as he or she. */
export function isPersonEntry(entry: GlossaryEntry): boolean {
  return /\b(?:he|she|his|her)\b/i.test(entry.definition);
}

/** The words of a span as typed, with what was between them ("third-party", "KPO's"), without what is around it. */
const spanText = (tokens: Token[], start: number, end: number) =>
  tokens
    .slice(start, end)
    .map((t, i, span) => `${i === 0 ? "" : t.pre}${t.text}${i === span.length - 1 ? "" : /^\s*$/.test(t.post) || /^-$/.test(t.post.trim()) ? t.post : " "}`)
    .join("")
    .replace(/\s+/g, " ")
    .trim();

/** Glossary terms named by whole tokens of one sentence, longest first. */
function terms(tokens: Token[], matcher: Matcher, covered: boolean[]): Mention[] {
  const found: Mention[] = [];
  for (let n = MAX_TERM_WORDS; n >= 1; n--) {
    for (let i = 0; i + n <= tokens.length; i++) {
      if (tokens[i + n - 1]!.sentence !== tokens[i]!.sentence || covered.slice(i, i + n).some(Boolean)) continue;
      const text = spanText(tokens, i, i + n);
      const match = matcher.match(text);
      if (match.length !== 1 || match[0]!.matched !== normalizeTerm(text)) continue;
      // "IT" the acronym is a term; "it" the pronoun is not (the matcher already requires the capitals).
      if (n === 1 && is(tokens[i], "Pronoun")) continue;
      for (let k = i; k < i + n; k++) covered[k] = true;
      const entry = match[0]!.entry;
      // "KPOs" is plural; "KPO in the Philippines" is one thing, whatever the tagger says of its last word.
      const plural = /s$/.test(normalizeTerm(text)) && ![entry.term, ...entry.aliases].some((name) => normalizeTerm(name) === normalizeTerm(text));
      found.push({ text, kind: isPersonEntry(entry) ? "person" : "term", plural, start: i, end: i + n, entry });
    }
  }
  return found;
}

const PLACE_TAGS = ["Place", "Country", "City", "Region"];

/** Places: words the tagger knows as places, or capitalised words after "in", "from", "to" or "across" ("in the Philippines"). */
function places(tokens: Token[], covered: boolean[]): Mention[] {
  const found: Mention[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (covered[i]) continue;
    const after = tokens[i - 1]?.normal === "the" ? tokens[i - 2] : tokens[i - 1];
    const capitalised = /^\p{Lu}/u.test(tokens[i]!.text) && is(tokens[i], "ProperNoun");
    const placed = is(tokens[i], ...PLACE_TAGS) || (capitalised && /^(?:in|from|to|across)$/.test(after?.normal ?? ""));
    if (!placed || is(tokens[i], "Abbreviation")) continue;
    let end = i + 1;
    while (end < tokens.length && !covered[end] && /^\p{Lu}/u.test(tokens[end]!.text) && is(tokens[end], "ProperNoun", ...PLACE_TAGS)) end++;
    const start = tokens[i - 1]?.normal === "the" ? i - 1 : i;
    for (let k = start; k < end; k++) covered[k] = true;
    found.push({ text: spanText(tokens, start, end), kind: "place", plural: false, start, end });
    i = end - 1;
  }
  return found;
}

/** People the tagger recognises (runs of Person-tagged words). */
function people(tokens: Token[], covered: boolean[]): Mention[] {
  const found: Mention[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (covered[i] || !is(tokens[i], "Person") || is(tokens[i], "Pronoun")) continue;
    let end = i + 1;
    while (end < tokens.length && !covered[end] && is(tokens[end], "Person")) end++;
    for (let k = i; k < end; k++) covered[k] = true;
    found.push({ text: spanText(tokens, i, end), kind: "person", plural: false, start: i, end });
    i = end - 1;
  }
  return found;
}

/** A word a noun phrase may contain: a noun or adjective that is no pronoun, question word or function word. */
const phraseWord = (t: Token) => is(t, "Noun", "Adjective") && !is(t, "Pronoun", "QuestionWord") && !STOPWORDS.has(t.normal);

/** A gerund names an activity unless it takes an object ("Is bookkeeping KPO?", but not "doing the work"). */
const nominalGerund = (tokens: Token[], k: number) => is(tokens[k], "Gerund") && !is(tokens[k + 1], "Determiner", "Pronoun");

const breaksAfter = (t: Token) => /[,;:?.!]/.test(t.post);

/**
 * Other noun phrases ("bookkeeping", "customer support calls", "the Indian KPO market"), with
 * a leading "the/a/an" kept so the phrase reads well where it is put back. A phrase may contain
 * a glossary term ("KPO firms") but ends with a noun of its own.
 */
function things(tokens: Token[], covered: boolean[], named: Mention[]): Mention[] {
  const inTerm = (k: number) => named.some((m) => m.kind === "term" && m.start <= k && k < m.end);
  const nounish = (k: number) => phraseWord(tokens[k]!) || nominalGerund(tokens, k);
  const word = (k: number) => (covered[k] ? inTerm(k) : nounish(k));
  const head = (k: number) => !covered[k] && (is(tokens[k], "Noun") || nominalGerund(tokens, k));
  const found: Mention[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (!word(i)) continue;
    let end = i;
    while (end < tokens.length && word(end) && tokens[end]!.sentence === tokens[i]!.sentence && (end === i || !breaksAfter(tokens[end - 1]!))) end++;
    const run = end;
    // A phrase ends with a noun of its own: "most" or "small" alone is no thing, nor a term alone.
    while (end > i && !head(end - 1)) end--;
    if (end === i) {
      i = run - 1;
      continue;
    }
    const start = /^(?:the|a|an)$/.test(tokens[i - 1]?.normal ?? "") ? i - 1 : i;
    const text = spanText(tokens, start, end);
    if (topicWords(text).length > 0) {
      for (let k = i; k < end; k++) covered[k] ||= true;
      found.push({ text, kind: "thing", plural: is(tokens[end - 1], "Plural"), start, end });
    }
    i = end - 1;
  }
  return found;
}

const COORDINATORS = /^(?:and|or|vs|versus|&|\/)$/;

/** Two mentions joined by a coordinator (and only determiners besides): "KPO and BPO", "KPO vs. BPO", "KPO or a BPO". */
function pairOf(tokens: Token[], mentions: Mention[]): [Mention, Mention] | undefined {
  const named = mentions.filter((m) => m.kind !== "thing").sort((a, b) => a.start - b.start);
  for (let i = 0; i + 1 < named.length; i++) {
    const [a, b] = [named[i]!, named[i + 1]!];
    const between = tokens.slice(a.end, b.start).filter((t) => !/^(?:a|an|the)$/.test(t.normal));
    const joined = between.length === 1 && COORDINATORS.test(between[0]!.normal.replace(/\.$/, ""));
    const slashed = between.length === 0 && /\/|\bvs\.?\s/.test(tokens[a.end - 1]!.post);
    if (joined || slashed) {
      if (between[0]?.normal === "or") {
        a.inChoice = true;
        b.inChoice = true;
      }
      return [a, b];
    }
  }
  return undefined;
}

/** The mentions of a text, in reading order. `answer` texts yield only people and places (what he, she and there may point at). */
export function mentionsOf(tokens: Token[], matcher: Matcher, options: { namesOnly?: boolean } = {}): Mention[] {
  const covered = new Array<boolean>(tokens.length).fill(false);
  const found = terms(tokens, matcher, covered);
  // A place inside a term still names the place ("there" after "KPO in the Philippines").
  const placeCovered = covered.map(() => false);
  const located = places(tokens, placeCovered);
  placeCovered.forEach((c, k) => (covered[k] ||= c));
  const named = [...found, ...located, ...people(tokens, covered)];
  if (options.namesOnly) return named.filter((m) => m.kind === "person" || m.kind === "place").sort((a, b) => a.start - b.start);
  return [...named, ...things(tokens, covered, named)].sort((a, b) => a.start - b.start);
}

/** What a (standalone) question is about. */
export function topicOf(question: string, matcher: Matcher): Topic {
  const tokens = tokenize(question);
  const mentions = mentionsOf(tokens, matcher);
  const pair = pairOf(tokens, mentions);
  const free = mentions.filter((m) => !m.inChoice);
  const subject = free.find((m) => m.kind !== "thing") ?? free.find((m) => m.kind === "thing") ?? pair?.[0];
  const plural = mentions.find((m) => m.kind === "thing" && m.plural && m !== subject);
  let frame: string | undefined;
  // A phrase holding the subject ("KPO companies") already says whose it is.
  if (plural && !(subject && subject.start >= plural.start && subject.end <= plural.end)) {
    // "the benefits of KPO": the phrase with the mention it belongs to, or with the subject when it has none.
    const owner = tokens[plural.end]?.normal === "of" ? mentions.find((m) => m.start === plural.end + 1 || m.start === plural.end + 2) : undefined;
    frame = owner ? `${plural.text} of ${owner.text}` : subject && subject.kind !== "thing" ? `${plural.text} of ${subject.text}` : plural.text;
  } else if (plural) frame = plural.text;
  return { tokens, mentions, subject, pair, frame };
}
