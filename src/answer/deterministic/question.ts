import type { GlossaryMatch, GlossaryMatcher } from "../../retrieve/glossary-match.ts";
import { nlp } from "../../text/nlp.ts";
import { normalizeTerm } from "../../text/terms.ts";
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
  /** The focus points back at the context ("Is that a reason to ...?", "kpo the way to go?"), so the context is part of what is asked. */
  refersBack: boolean;
  /** When it does: the context piece it points back at (the one just before it), which counts as much as the focus. */
  referent: string;
  /** Years and long numbers the question names: an answer must rest on evidence that has them. */
  figures: string[];
  /** Capitalised names in the middle of a sentence (places, companies, standards): constraints too. */
  names: string[];
  /** Names in the piece the focus points back at, lower case: part of the story, not of what is asked. */
  referentNames: string[];
  /** The name a pointing word of the focus stands for, once resolveSubject found it in the context ("red file"). */
  subjectName?: string;
  /**
   * Words used as verbs, adjectives or adverbs ("start", "hit", "fancy", "hard"): when the corpus
   * never uses them they say how something is asked about, not what; nouns carry the topic.
   */
  generic: string[];
  /** Asks what actually happened ("actually employ in 2016"), which a forecast does not answer. */
  wantsActual: boolean;
  /** Asks for a ranking or list of companies ("top 5 KPO companies by revenue"). */
  wantsRanking: boolean;
  /** Asks for a price, rate, fee or pay figure ("typical hourly rate", "how much does it cost"). */
  wantsAmount: boolean;
  /** Asks for a figure as of now ("how many ... today", "current price"): dated sources cannot give it. */
  wantsCurrentFigure: boolean;
  /** Asks where ("where is most KPO done?", "in which country …"): sentences that name a place answer it. */
  wantsPlace: boolean;
}

const INTERROGATIVE =
  /^(?:(?:ok(?:ay)?|so|and|but|also|hey|hi|hello|quick one|then|well|um+|uh+)[\s,]+)*(?:what|what's|whats|wat|wut|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can|could|should|would|will|may|might|has|have|define|explain|describe|tell me|give me|list|name|compare)\b/i;

/** Words that point back at something said before ("Is that a reason ...?", "Which ones?"). */
export const POINTS_BACK = /\b(?:that|this|it|they|them|those|these|such|ones)\b/i;

/**
 * A pronoun that is the object of "do" stands for an action, not for a thing the story names ("they offer a rate
 * if we sign for 7 years in Portland - are we allowed to do that?" asks about signing, not about Portland).
 */
const DOES_IT = /\b(?:do|does|did|doing|done)\s+(?:that|this|it|so)\b/i;
/** Whether the focus has a pronoun standing for something named before it (a thing, not an action). */
const pointsAtThing = (focus: string) => POINTS_BACK.test(focus.replace(DOES_IT, " "));

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
    .flatMap((sentence) => sentence.split(/\s*[:;]\s+|\s+[-–—]\s+|,?\s+but\s+(?=\S)|,\s+(?=(?:what(?:'?s)?|wats?|which|why|how|who|where|when)\b)/i))
    .map((p) => p.trim())
    .filter(Boolean);
}

const CONTINUES = /^(?:also|and|or|plus|as well as|what about|how about)\b/i;

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
  const polite = parts.map((p) => POLITE_FRAME.test(p));
  const opens = parts.map((p, i) => INTERROGATIVE.test(p) && !polite[i]);
  const asking = parts.map((p, i) => (p.endsWith("?") || opens[i]!) && !polite[i]);
  // A statement with a question mark before a piece that opens with a question word is part of the story
  // ("a vendor from Yakima dropped off a basket, maybe $60 worth? what's the max gift we can accept?").
  const firstOpening = opens.indexOf(true);
  for (let i = 0; i < firstOpening; i++) asking[i] = false;
  const first = asking.indexOf(true);
  let focusParts = parts;
  let contextParts: string[] = [];
  if (first >= 0) {
    let last = asking.lastIndexOf(true);
    // "Is KPO common in Germany? Also in France.": a short follow-on after the last question extends it.
    while (last + 1 < parts.length && CONTINUES.test(parts[last + 1]!) && parts[last + 1]!.split(/\s+/).length <= 8) last++;
    // From the first question to the last one is the focus; what surrounds it is context.
    focusParts = parts.slice(first, last + 1);
    contextParts = [...parts.slice(0, first), ...parts.slice(last + 1)];
  }
  const focus = focusParts.join(" ");
  // Constraints come from what is asked, not from the story around it: "our vendor in Manila" or "on Monday" in a
  // preamble is context, so only the focus's years, figures and names must be met by the evidence.
  // A year counts inside a code too ("FY2026"); other figures are numbers of three digits or more. A decade
  // ("the mid-2000s", "1990s") is a span no single year has to match, so it is no figure.
  const figures = [...new Set(focus.replace(/\b(?:1[89]|20)\d0'?s\b/g, " ").match(/(?<![\d.,])(?:1[89]\d\d|20\d\d)(?![\d.,]?\d)|\b\d{3,}(?:[.,]\d+)*\b/g) ?? [])];
  const present = /\b(?:today|now|nowadays|currently|current|latest|these days|this year|right now|rn|at the moment|as of now)\b/i;
  const quantity = /\b(?:how (?:many|much|big|large)|number of|size of|share of|price|prices|salary|salaries|rate|rates|revenue|headcount|stock|worth|ceo|president|chairman|chair|director|owner|head of|leader|boss)\b/i;
  const context = contextParts.join(" ");
  // A focus with a pronoun, or with hardly a topic word of its own, asks about what was said just before it.
  const refersBack = topicWords(context).length > 0 && (POINTS_BACK.test(focus) || topicWords(focus).length <= 2);
  const referent = refersBack ? (first > 0 ? parts[first - 1]! : (contextParts[0] ?? "")) : "";
  const tagged = tagWords(text);
  const focusNames = tagWords(focus).names;
  return {
    text,
    focus,
    context,
    refersBack,
    referent,
    figures,
    wantsCurrentFigure: present.test(focus) && quantity.test(focus),
    wantsPlace: /^\W*(?:(?:ok(?:ay)?|so|and|but)\W+)*where\b|\b(?:which|what) (?:countr(?:y|ies)|cit(?:y|ies)|regions?|places?|locations?)\b/i.test(focus),
    // "What actually is BPO?" only stresses the question; "actual" asks for real figures when a figure is asked.
    wantsActual: /\bactual(?:ly)?\b|\bin reality\b|\breally (?:was|were|did)\b/i.test(focus) && (quantity.test(focus) || figures.length > 0 || /\bhow (?:many|much|long|big)\b/i.test(focus)),
    wantsRanking: /\b(?:top \d+|top (?:ten|five|three)|rank(?:ing|ings|ed)?|by revenue|largest|biggest|leading)\b/i.test(focus) && /\b(?:companies|vendors|firms|providers|players|suppliers|outsourcers)\b/i.test(focus),
    wantsAmount: MONEY.test(focus) && /\b(?:how much|hourly|per (?:hour|day|week|month|year)|average|avg|typical|usual|going rate)\b/i.test(focus),
    generic: tagged.generic,
    names: [...new Set([...capitalisedNames(focusParts), ...focusNames])].filter((n) => topicWords(n).length > 0),
    referentNames: referent ? [...new Set([...capitalisedNames([referent]), ...tagWords(referent).names])].map((n) => n.toLowerCase()) : [],
  };
}

/** Capitalised words the tagger knows as places or peoples ("India", "the Philippines", "Indian"), looked up once each. */
const placeWords = new Map<string, boolean>();
export function namesPlace(text: string): boolean {
  return (text.match(/\b\p{Lu}\p{Ll}+\b/gu) ?? []).some((word) => {
    let place = placeWords.get(word);
    if (place === undefined) {
      place = nlp(word).has("(#Place|#Country|#City|#Region|#Demonym)");
      placeWords.set(word, place);
    }
    return place;
  });
}

/** The last phrase a text puts in quotes (quotes standing apart from words, so "we're … don't" is none), normalised. */
function lastQuoted(text: string): string | undefined {
  const quoted = [...text.matchAll(/(?:^|[\s(])['"‘“]([^'"’”]{2,60}?)['"’”](?=$|[\s.,;:!?)-])/g)].map((m) => normalizeTerm(m[1]!)).filter(Boolean);
  return quoted.at(-1);
}

const LOCATIVE = new Set(["in", "from", "at", "near", "outside", "based", "across", "around"]);

/** The referent's last name, as one phrase (adjacent names joined: "Red File"), when it comes after word `after` of the context. */
function laterName(question: AnalyzedQuestion, after: number): string | undefined {
  const words = question.context.toLowerCase().split(/\s+/).map((w) => w.replace(/[^\p{L}\p{N}&-]+/gu, ""));
  let last: { start: number; end: number } | undefined;
  for (const name of question.referentNames) {
    // A name may be several words ("iso 27001"): its last occurrence as a run of words.
    const parts = name.split(" ");
    for (let at = words.length - parts.length; at > after; at--) {
      if (!parts.every((p, k) => words[at + k] === p)) continue;
      // A name after a preposition of place is where the story happens ("a producer in Bend", "a company from
      // Boise"), not what a pronoun stands for.
      if (LOCATIVE.has(words[at - 1] ?? "")) break;
      if (!last || at + parts.length - 1 > last.end) last = { start: at, end: at + parts.length - 1 };
      break;
    }
  }
  if (!last) return undefined;
  let start = last.start;
  while (start > 0 && question.referentNames.includes(words[start - 1]!)) start--;
  return words.slice(start, last.end + 1).join(" ");
}

/** The text the question is about: the focus, with the piece it points back at. */
export function askedText(question: AnalyzedQuestion): string {
  return question.referent ? `${question.referent} ${question.focus}` : question.focus;
}

function capitalisedNames(parts: string[]): string[] {
  const names = new Set<string>();
  for (const part of parts) {
    const ws = part.split(/\s+/);
    ws.forEach((w, i) => {
      const bare = w.replace(/^[^\p{L}]+|[^\p{L}\p{N}]+$/gu, "");
      // A capitalised word that does not open its sentence, or an acronym ("GDPR"), names something.
      if ((i > 0 && /^\p{Lu}\p{Ll}{2,}$/u.test(bare) && !/[.?!:]$/.test(ws[i - 1]!)) || /^\p{Lu}{2,6}\d*$/u.test(bare)) {
        // A name numbered by the word after it is one name ("ISO 27001", "Windows 11").
        const number = /^\p{Lu}/u.test(bare) ? /^\d[\d.:-]*\d$|^\d+$/u.exec((ws[i + 1] ?? "").replace(/[^\p{L}\p{N}.:-]+$/u, ""))?.[0] : undefined;
        names.add(number ? `${bare} ${number}` : bare);
      }
    });
  }
  return [...names];
}

/**
 * What a part-of-speech tagger (compromise) says about the words: those read as verbs,
 * adjectives, adverbs (never as nouns) or number words, which say how something is asked, not
 * what; and places, organisations and people, which name something even when typed in lower case.
 */
function tagWords(text: string): { generic: string[]; names: string[] } {
  const sentences = nlp(text).json() as { terms: { text: string; normal: string; tags: string[] }[] }[];
  const generic = new Set<string>();
  const names = new Set<string>();
  for (const [i, t] of sentences.flatMap((s) => s.terms.map((term, i) => [i, term] as const))) {
    const tags = new Set(t.tags);
    // Number words ("three weeks") count an amount; they are no topic either.
    const cardinal = tags.has("Value") && /^[a-z]+$/.test(t.normal);
    if (cardinal || (!tags.has("Noun") && !tags.has("Value") && (tags.has("Verb") || tags.has("Adjective") || tags.has("Adverb")))) generic.add(t.normal);
    // Countries, cities and regions are names in any case ("poland"; not an abbreviation: "Qué" is no Quebec);
    // organisations and people only as typed with a capital, and not as a sentence's first word ("post" is no company).
    const place = (tags.has("Country") || tags.has("City") || tags.has("Region")) && !tags.has("Abbreviation");
    const named = i > 0 && /^\p{Lu}/u.test(t.text) && (tags.has("Organization") || tags.has("Person"));
    if (place || named) names.add(t.text.replace(/[^\p{L}\p{N}&-]+/gu, ""));
  }
  return { generic: [...generic], names: [...names].filter(Boolean) };
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
  const resolved = { ...question, referent: "", referentNames: [] };
  if (!fromContext.length) {
    // What the story puts in quotes is what a pointing word asks about ("X is 'on amber watch' - what's that mean?"), before any name.
    const name = pointsAtThing(question.focus) ? (lastQuoted(question.referent) ?? laterName(question, -1)) : undefined;
    return name ? { question: { ...resolved, focus: `${question.focus} ${name}`, subjectName: name }, matches: [] } : { question, matches };
  }
  // The pronoun stands for one term: the one the context quotes ("called KPO 'transformational BPO'"), else the last one named.
  const quoted = [...question.context.matchAll(/['"‘“]([^'"’”]{2,60})['"’”]/g)].map((m) => normalizeTerm(m[1]!));
  const antecedent =
    fromContext.find((m) => quoted.some((q) => q.includes(m.matched))) ?? [...fromContext].sort((a, b) => b.position - a.position)[0]!;
  // "… one of our suppliers is now on the Red File - what is that?": a name after the last glossary term is what the pronoun
  // stands for, though no glossary entry names it.
  const name = pointsAtThing(question.focus) ? laterName(question, antecedent.position) : undefined;
  // Once the pronoun is resolved, the rest of the sentence it pointed into is story ("my manager keeps saying KPO in meetings").
  if (name) return { question: { ...resolved, focus: `${question.focus} ${name}`, subjectName: name }, matches: [] };
  const focus = `${question.focus} ${antecedent.matched}`;
  return { question: { ...resolved, focus }, matches: matcher.match(focus) };
}
