import type { GlossaryEntry } from "../schema/glossary.ts";

/**
 * The vocabulary quiz, one rule for every surface (the web page's practise view through
 * GET /v1/quiz, Discord's /quiz): a glossary definition with its term masked, and four terms
 * to choose from. A prompt gives nothing away: it never contains the answer, its aliases, an
 * acronym of either, or a word derived from a word of the term ("offshore" for Offshoring,
 * "contact-center work" for Contact center, "industry" for Fourth Industrial Revolution), and
 * no choice is named in it.
 */

export const MASK = "░░░";
export const QUIZ_OPTIONS = 4;

const FUNCTION_WORDS = new Set(["and", "of", "the", "in", "for", "to", "a", "an", "or", "vs", "with", "on", "at", "by"]);
/** Between the words of a name: spaces or dashes, and maybe an acronym in parentheses ("Intellectual property (IP) research"). */
const BETWEEN = "(?:[\\s\\-–—]+|\\s*\\([^()]{1,40}\\)\\s*)+";
const BEFORE = "(?<![\\p{L}\\p{N}])";
const AFTER = "(?:['’]s)?(?![\\p{L}\\p{N}])";

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** An acronym ("IT", "R&D") is a name only in capitals: "it" is a pronoun. */
export const isAcronym = (name: string) => /^[\p{Lu}\p{N}&.]{2,8}$/u.test(name) && /\p{Lu}/u.test(name);

/**
 * A word and the words derived from it: long words by their first five letters ("offsh" finds
 * offshore and offshoring), words of four or five letters as a prefix ("risk", "risks",
 * "risky"), shorter ones exactly with a plural.
 */
function wordPattern(word: string): string {
  const lower = word.toLowerCase();
  if (lower.length >= 6) return `${escapeRegExp(lower.slice(0, 5))}\\p{L}*`;
  if (lower.length >= 4) return `${escapeRegExp(lower)}\\p{L}*`;
  return `${escapeRegExp(lower)}(?:s|es)?`;
}

/** A name as a pattern: its words in order (each with derived forms), any spacing or dashes between them. */
function phrasePattern(name: string): string {
  const tokens = name.trim().match(/[\p{L}\p{N}]+|[^\p{L}\p{N}\s\-–—]+|[\s\-–—]+/gu) ?? [];
  return tokens
    .map((t) => (/^[\p{L}\p{N}]/u.test(t) ? wordPattern(t) : /^[\s\-–—]+$/.test(t) ? BETWEEN : `\\s*${escapeRegExp(t)}\\s*`))
    .join("");
}

/** "Knowledge process outsourcing" -> "KPO" (the initials of a name of two words or more). */
function initials(name: string): string | undefined {
  const ws = (name.match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !FUNCTION_WORDS.has(w.toLowerCase()));
  if (ws.length < 2) return undefined;
  return ws.map((w) => w[0]!.toUpperCase()).join("");
}

/** Every name of an entry: term, aliases, and the acronyms of both. */
export function namesOf(entry: Pick<GlossaryEntry, "term" | "aliases">): string[] {
  const names = [entry.term, ...entry.aliases].map((n) => n.trim()).filter(Boolean);
  const acronyms = names.map(initials).filter((a): a is string => a !== undefined);
  return [...new Set([...names, ...acronyms])];
}

/** Patterns that find the names in a text: acronyms as written (so "IT" is never "it"), other names in any case. */
function namePatterns(entry: Pick<GlossaryEntry, "term" | "aliases">): RegExp[] {
  const names = namesOf(entry).sort((a, b) => b.length - a.length);
  const acronyms = names.filter(isAcronym);
  const others = names.filter((n) => !isAcronym(n));
  const patterns: RegExp[] = [];
  if (others.length) patterns.push(new RegExp(`${BEFORE}(?:${others.map(phrasePattern).join("|")})${AFTER}`, "giu"));
  if (acronyms.length) patterns.push(new RegExp(`${BEFORE}(?:${acronyms.map((a) => `${escapeRegExp(a)}s?`).join("|")})${AFTER}`, "gu"));
  return patterns;
}

/**
 * The content words of the term itself ("Data security risk": data, security, risk; "KPO in
 * India": KPO, India), each standing for its derived forms; acronyms count at any length.
 */
export function termWords(entry: Pick<GlossaryEntry, "term">): string[] {
  return (entry.term.match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => isAcronym(w) || (w.length >= 4 && !FUNCTION_WORDS.has(w.toLowerCase())));
}

/** True when the text names the entry (its term, an alias or an acronym, in any of their forms). */
export function namedIn(text: string, entry: Pick<GlossaryEntry, "term" | "aliases">): boolean {
  return namePatterns(entry).some((p) => {
    p.lastIndex = 0;
    return p.test(text);
  });
}

/** The definition with every name of the entry and every word derived from its term masked, runs of masks as one. */
export function maskDefinition(entry: Pick<GlossaryEntry, "term" | "aliases" | "definition">): string {
  let text = entry.definition;
  for (const pattern of namePatterns(entry)) text = text.replace(pattern, MASK);
  const words = termWords(entry);
  const acronyms = words.filter(isAcronym);
  const others = words.filter((w) => !isAcronym(w));
  if (others.length) text = text.replace(new RegExp(`${BEFORE}(?:${others.map(wordPattern).join("|")})${AFTER}`, "giu"), MASK);
  if (acronyms.length) text = text.replace(new RegExp(`${BEFORE}(?:${acronyms.map((a) => `${escapeRegExp(a)}s?`).join("|")})${AFTER}`, "gu"), MASK);
  const mask = escapeRegExp(MASK);
  return (
    text
      // "░░░ (░░░)", "░░░ ░░░", "░░░-░░░": one mask; an acronym in parentheses after a mask is the answer's too.
      .replace(new RegExp(`${mask}(?:[\\s\\-–—]*(?:\\(\\s*${mask}\\s*\\)|${mask}))+`, "gu"), MASK)
      .replace(new RegExp(`${mask}\\s*\\(\\s*[\\p{Lu}\\p{N}&.]{2,8}\\s*\\)`, "gu"), MASK)
  );
}

export interface QuizQuestion {
  answer: GlossaryEntry;
  /** QUIZ_OPTIONS entries in display order, the answer among them. */
  options: GlossaryEntry[];
  /** The answer's definition, masked (maskDefinition). */
  prompt: string;
}

function pick<T>(items: T[], random: () => number): T {
  return items[Math.min(items.length - 1, Math.floor(random() * items.length))]!;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * A question about `answer` (or a random entry): its masked definition and three other
 * entries no name of which appears in it. Undefined when there are not enough such entries.
 */
export function buildQuiz(entries: GlossaryEntry[], options: { random?: () => number; answer?: string } = {}): QuizQuestion | undefined {
  const random = options.random ?? Math.random;
  const usable = entries.filter((e) => e.definition.trim());
  if (usable.length < QUIZ_OPTIONS) return undefined;
  const answer = options.answer === undefined ? pick(usable, random) : usable.find((e) => e.slug === options.answer);
  if (!answer) return undefined;
  const prompt = maskDefinition(answer);
  const names = new Set(namesOf(answer).map((n) => n.toLowerCase()));
  const others = usable.filter((e) => e.slug !== answer.slug && !names.has(e.term.toLowerCase()) && !namedIn(prompt, e));
  if (others.length < QUIZ_OPTIONS - 1) return undefined;
  const distractors = shuffle(others, random).slice(0, QUIZ_OPTIONS - 1);
  return { answer, options: shuffle([answer, ...distractors], random), prompt };
}
