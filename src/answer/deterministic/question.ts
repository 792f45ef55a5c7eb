import type { GlossaryMatch, GlossaryMatcher } from "../../retrieve/glossary-match.ts";
import nlp from "compromise";
import { topicWords } from "./query-words.ts";

/**
 * What a question asks, separated from how it was typed. People wrap questions in preambles
 * ("My manager keeps saying KPO in meetings."), apologies ("sorry if this is dumb but ..."),
 * chat tails ("keep seeing it in #ops") and pasted markup; the focus is the interrogative part,
 * the rest is context that may still hold a constraint ("We need results by next month.").
 */
export interface AnalyzedQuestion {
  /** The question with markup removed: what the answer is about. */
  text: string;
  /** The interrogative part (the whole text when nothing in it looks like a question). */
  focus: string;
  /** Everything else: preambles and trailing remarks. */
  context: string;
  /** The focus points back at the context ("Is that a reason to ...?"), so the context is part of what is asked. */
  refersBack: boolean;
  /** Years and long numbers the question names: an answer must rest on evidence that has them. */
  figures: string[];
  /** Capitalised names in the middle of a sentence (places, companies, standards): constraints too. */
  names: string[];
  /**
   * Words used as verbs, adjectives or adverbs ("start", "hit", "fancy", "hard"): when the corpus
   * never uses them they say how something is asked about, not what; nouns carry the topic.
   */
  generic: string[];
  /** Asks for a price, rate, fee or pay figure ("typical hourly rate", "how much does it cost"). */
  wantsAmount: boolean;
  /** Asks for a figure as of now ("how many ... today", "current price"): dated sources cannot give it. */
  wantsCurrentFigure: boolean;
}

const INTERROGATIVE =
  /^(?:(?:ok(?:ay)?|so|and|but|also|hey|hi|hello|quick one|then|well|um+|uh+)[\s,]+)*(?:what|what's|whats|wat|wut|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can|could|should|would|will|may|might|has|have|define|explain|describe|tell me|give me|list|name|compare)\b/i;

/** Words for what something costs or pays. */
export const MONEY = /\b(?:rates?|prices?|costs?|fees?|salar(?:y|ies)|wages?|pay|paid|charges?|earn(?:s|ings)?)\b/i;

const POLITE_FRAME =
  /^(?:(?:hi|hey|hello|ok(?:ay)?|so)[\s,!.]*)?(?:could|can|would|will) (?:you|u|someone|anyone) (?:please |pls )?(?:help|assist|tell|explain|answer)(?: me| us)?(?: (?:with|on|about|understand))?(?: (?:this|something|a question|one thing|that|it))?(?: (?:please|pls))?[?.!:\s]*$/i;

/** Removes HTML (script and style with their content), Markdown emphasis, code marks, links and bare URLs. */
export function stripMarkup(text: string): string {
  return text
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, " ")
    .replace(/<\/?[A-Za-z][^>]*>/g, " ")
    .replace(/&(?:amp|lt|gt|quot|#39|apos|nbsp);/g, (m) => ({ "&amp;": "&", "&lt;": " ", "&gt;": " ", "&quot;": '"', "&#39;": "'", "&apos;": "'", "&nbsp;": " " })[m] ?? " ")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\bhttps?:\/\/\S+/gi, " ")
    .replace(/```[a-z]*|[`*_~]{1,3}(?=\S)|(?<=\S)[`*_~]{1,3}/gi, "")
    .replace(/^\s*(?:#{1,6}|>+)\s+/gm, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Sentences of a question, then clauses where a question starts after a colon, dash, semicolon or "but". */
function pieces(text: string): string[] {
  return text
    .split(/(?<=[.?!])\s+|\n+/)
    .flatMap((sentence) => sentence.split(/\s*[:;]\s+|\s+[-–—]\s+|,?\s+but\s+(?=\S)|,\s+(?=(?:what|which|why|how|who|where|when)\b)/i))
    .map((p) => p.trim())
    .filter(Boolean);
}

/** "according to your sources", "do the sources say": the knowledge base itself is never the topic. */
const ABOUT_THE_SOURCES = /\b(?:according to|in|from|based on) (?:your|the) (?:sources|documents|docs|knowledge base|kb|corpus)\b|\b(?:your|the) (?:sources|documents|docs|knowledge base) (?:say|mention|tell)\b/gi;

/**
 * Analyses a question. `correct` (the composer's spelling correction against the corpus) is
 * applied once markup is gone, so every later step, the query embedding included, sees
 * "automation" where the user typed "auotmation".
 */
export function analyzeQuestion(question: string, correct: (text: string) => string = (t) => t): AnalyzedQuestion {
  const text = correct(stripMarkup(question).replace(ABOUT_THE_SOURCES, " ").replace(/\s+/g, " ").trim());
  const parts = pieces(text);
  // "Could you help me with this?" asks nothing by itself: it frames the question that follows.
  const asking = parts.map((p) => (p.endsWith("?") || INTERROGATIVE.test(p)) && !POLITE_FRAME.test(p));
  const first = asking.indexOf(true);
  let focusParts = parts;
  let contextParts: string[] = [];
  if (first >= 0) {
    const last = asking.lastIndexOf(true);
    // From the first question to the last one is the focus; what surrounds it is context.
    focusParts = parts.slice(first, last + 1);
    contextParts = [...parts.slice(0, first), ...parts.slice(last + 1)];
  }
  const figures = [...new Set(text.match(/\b(?:1[89]\d\d|20\d\d|\d{3,}(?:[.,]\d+)*)\b/g) ?? [])];
  const names = new Set<string>();
  for (const part of parts) {
    const ws = part.split(/\s+/);
    ws.forEach((w, i) => {
      const bare = w.replace(/^[^\p{L}]+|[^\p{L}\p{N}]+$/gu, "");
      // A capitalised word that does not open its sentence, is not shouting (all caps acronyms are matched elsewhere) and is not "I".
      if (i > 0 && /^\p{Lu}\p{Ll}{2,}$/u.test(bare) && !/[.?!:]$/.test(ws[i - 1]!)) names.add(bare);
    });
  }
  const focus = focusParts.join(" ");
  const present = /\b(?:today|now|nowadays|currently|current|latest|these days|this year|right now|rn|at the moment|as of now)\b/i;
  const quantity = /\b(?:how (?:many|much|big|large)|number of|size of|share of|price|prices|salary|salaries|rate|rates|revenue|headcount|stock|worth)\b/i;
  const context = contextParts.join(" ");
  return {
    text,
    focus,
    context,
    refersBack: topicWords(context).length > 0 && /\b(?:that|this|it|they|them|those|these|such)\b/i.test(focus),
    figures,
    wantsCurrentFigure: present.test(focus) && quantity.test(focus),
    wantsAmount: MONEY.test(focus) && /\b(?:how much|hourly|per (?:hour|day|week|month|year)|average|avg|typical|usual|going rate)\b/i.test(focus),
    generic: genericWords(text),
    names: [...names].filter((n) => topicWords(n).length > 0),
  };
}

/**
 * "My manager keeps saying KPO. What is it?": when the focus names no glossary term but the
 * context does, the focus is about that term. Returns the question with its subject in the
 * focus, and the glossary terms the focus names (positions relative to the focus).
 */
export function resolveSubject(question: AnalyzedQuestion, matcher: Pick<GlossaryMatcher, "match">): { question: AnalyzedQuestion; matches: GlossaryMatch[] } {
  const matches = matcher.match(question.focus);
  if (matches.length || !question.context) return { question, matches };
  const fromContext = matcher.match(question.context);
  if (!fromContext.length) return { question, matches };
  const focus = `${question.focus} ${fromContext.map((m) => m.matched).join(" ")}`;
  return { question: { ...question, focus }, matches: matcher.match(focus) };
}

/** Lower-case words that a part-of-speech tagger reads as verbs, adjectives, adverbs (never as nouns) or number words. */
function genericWords(text: string): string[] {
  const terms = nlp(text).terms().json() as { terms: { normal: string; tags: string[] }[] }[];
  const generic = new Set<string>();
  for (const t of terms.flatMap((x) => x.terms)) {
    const tags = new Set(t.tags);
    // Number words ("three weeks") count an amount; they are no topic either.
    const cardinal = tags.has("Value") && /^[a-z]+$/.test(t.normal);
    if (cardinal || (!tags.has("Noun") && !tags.has("Value") && (tags.has("Verb") || tags.has("Adjective") || tags.has("Adverb")))) generic.add(t.normal);
  }
  return [...generic];
}
