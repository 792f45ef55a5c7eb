import { nlp } from "../../text/nlp.ts";
import { stem } from "../../text/terms.ts";
import { synonymsOf, topicWords } from "../deterministic/query-words.ts";
import { stripMarkup } from "../deterministic/question.ts";
import { mentionsOf, topicOf, type Matcher, type Mention, type Topic } from "./mentions.ts";
import { clauseBreakAfter, insertion, is, isVerb, render, tokenize, type Token } from "./tokens.ts";

/**
 * Follow-up questions made standalone, deterministically. A conversation is stateless: the
 * client sends the earlier turns (oldest first) with each question, and every turn is resolved
 * again against the turns before it, so a chain of follow-ups keeps its subject.
 *
 * - References: pronouns and other pointing words ("it", "its", "they", "those", "he",
 *   "there", "which one", "the other one", "both") are replaced by what they point at in the
 *   earlier turns: their subject, the two things they compared, the plural phrase they asked
 *   about ("the benefits of KPO"), a person or place named in the question or its answer.
 * - Ellipsis: a fragment without a verb ("and the downsides?", "what about equity research?",
 *   "and in the Philippines?") takes the previous question as its frame and replaces the part
 *   of the same kind (a term for a term, a place for a place, a phrase for a phrase).
 * - Continuation: a request with no topic of its own ("tell me more", "go on", "an example?")
 *   asks again about the previous subject, and the answer avoids what was already shown.
 * - A question without a subject of its own ("what are the main risks?") is about the
 *   previous subject.
 * - A reference or fragment with nothing to point at is not guessed: the resolution says so.
 *
 * Pronoun forms are English's closed class; everything else comes from the part-of-speech
 * tagger (compromise) and the glossary (terms as the user typed them).
 */

export interface Turn {
  question: string;
  answer?: string;
}

export type ResolutionKind =
  /** Nothing to resolve: the question is answered as typed. */
  | "standalone"
  /** Pointing words were replaced by what they point at. */
  | "reference"
  /** A fragment was completed from the previous question. */
  | "ellipsis"
  /** A question without a subject of its own was given the previous one. */
  | "topic"
  /** More on the previous subject, without repeating what was shown. */
  | "continuation"
  /** The follow-up points at something no earlier turn names. */
  | "unresolved";

export interface Resolution {
  /** The standalone question to answer; the question itself when nothing was resolved. */
  question: string;
  kind: ResolutionKind;
  /** Earlier answers whose sentences are not to be shown again (continuations). */
  avoidText?: string[];
  /** For "unresolved": the words that point at nothing ("it", "the downsides"). */
  dangling?: string;
}

/** An earlier turn, resolved: what it asked about, and the people and places its answer named (read on first use). */
interface Context {
  question: string;
  topic: Topic;
  answer?: string;
  answerNames: () => Mention[];
}

/** Resolves a follow-up against the earlier turns (oldest first). With no earlier turns the question is returned as typed. */
export function resolveFollowUp(question: string, history: readonly Turn[], matcher: Matcher): Resolution {
  if (history.length === 0) return { question, kind: "standalone" };
  const earlier: Context[] = [];
  for (const turn of history) {
    const resolved = resolveAgainst(turn.question, earlier, matcher);
    const standalone = resolved.kind === "unresolved" ? turn.question : resolved.question;
    let names: Mention[] | undefined;
    earlier.push({
      question: standalone,
      topic: topicOf(stripMarkup(standalone), matcher),
      ...(turn.answer ? { answer: turn.answer } : {}),
      answerNames: () => (names ??= turn.answer ? answerMentions(turn.answer, matcher) : []),
    });
  }
  return resolveAgainst(question, earlier, matcher);
}

function resolveAgainst(question: string, earlier: Context[], matcher: Matcher): Resolution {
  if (earlier.length === 0) return { question, kind: "standalone" };
  const text = stripMarkup(question);
  let tokens = tokenize(text);
  if (tokens.length === 0) return { question, kind: "standalone" };
  // "thanks!", "ok, got it": a reply to the answer, not a request for more of it.
  if (isAcknowledgement(text)) return { question, kind: "standalone" };
  const own = mentionsOf(tokens, matcher);
  let kind: ResolutionKind = "standalone";

  const refs = references(tokens, own);
  if (refs.length) {
    const substituted = substitute(tokens, refs, earlier);
    if (substituted.resolved === 0 && substituted.dangling.length && !own.some(isSubject)) {
      return { question, kind: "unresolved", dangling: substituted.dangling.join(", ") };
    }
    if (substituted.resolved > 0) {
      tokens = substituted.tokens;
      kind = "reference";
    }
  }

  const core = fragmentCore(tokens);
  // "which of the benefits of KPO matter most …" is a question once its reference is resolved, whatever the tagger says of "matter".
  const complete = kind === "reference" && is(core?.[0], "QuestionWord") && mentionsOf(tokenize(render(tokens)), matcher).some(isSubject);
  if (core && !complete) {
    const completed = completeFragment(core, earlier, matcher);
    if (completed) return completed;
    if (kind === "standalone") return { question, kind: "unresolved", dangling: render(core).replace(/[?.!]+$/, "") };
  }

  if (kind === "standalone" && own.some(isSubject)) return { question, kind };
  const latest = latestWithSubject(earlier);
  const words = topicWords(render(tokens));
  if (kind === "standalone" && !asksAboutSomething(tokens)) {
    if (!latest) return { question, kind: "unresolved", dangling: text };
    return continuation(latest, earlier);
  }
  // A question that (even with its references resolved) names no subject is about the previous one.
  if (latest && !mentionsOf(tokenize(render(tokens)), matcher).some(isSubject)) {
    const asked = tidy(question, attachSubject(tokens, latest.topic.subject!, matcher));
    if (asksForInstances(words)) return { question: asked, kind: "continuation", ...avoiding(earlier) };
    return { question: asked, kind: kind === "standalone" ? "topic" : kind };
  }
  return kind === "standalone" ? { question, kind } : { question: tidy(question, render(tokens)), kind };
}

/**
 * A resolved question as a standalone one: without the words that tied it to the previous turn
 * ("ok,", "and", "Thanks!"), capitalised, and ending as the question did.
 */
function tidy(question: string, resolved: string): string {
  const tokens = tokenize(resolved);
  let i = 0;
  // Leading sentences that ask nothing ("Thanks!") and leading joining words ("and", "ok,", "so").
  while (i < tokens.length - 1 && (topicWords(tokens[i]!.normal).length === 0 && !is(tokens[i], "QuestionWord", "Verb", "Noun", "Value", "Inserted") || (tokens[i]!.sentence !== tokens.at(-1)!.sentence && !sentenceAsks(tokens, tokens[i]!.sentence)))) i++;
  const rest = render(tokens.slice(i));
  const text = rest ? `${rest.charAt(0).toUpperCase()}${rest.slice(1)}` : resolved;
  return /\?\s*$/.test(question) && !/\?\s*$/.test(text) ? `${text.replace(/[.!]+$/, "")}?` : text;
}

/** Whether a sentence of the tokens has a topic word: "Thanks!" has none. */
function sentenceAsks(tokens: Token[], sentence: number): boolean {
  return tokens.some((t) => t.sentence === sentence && topicWords(t.normal).length > 0);
}

const isNamed = (m: Mention) => m.kind !== "thing";

/** Words that acknowledge an answer (thanks, agreement, interjections): a dialogue act, not a question. */
const ACKNOWLEDGING = /^(?:thanks?|thank you|thx|ty|cheers|ok(?:ay)?|k|cool|great|nice|perfect|awesome|got it|understood|makes sense|sure|yes|yep|no|nope|lol|wow|interesting)$/;

/** A message that only acknowledges ("thanks!", "ok, got it", "cool, thank you"). */
export function isAcknowledgement(text: string): boolean {
  const parts = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}' ]+/u)
    .map((p) => p.trim())
    .filter(Boolean);
  return parts.length > 0 && parts.every((part) => ACKNOWLEDGING.test(part) || part.split(/\s+/).every((w) => ACKNOWLEDGING.test(w)));
}

/**
 * Whether a question names anything to ask about: a noun (other than a pronoun). "Tell me more",
 * "go on", "continue", "what else?" and "why?" name nothing: they ask for more of the same.
 */
const asksAboutSomething = (tokens: Token[]) =>
  tokens.some((t) => (is(t, "Noun") && !is(t, "Pronoun") && !/^(?:else|more)$/.test(t.normal)) || is(t, "Inserted") || /\d/.test(t.text));
/** A question names its own subject with a term or a person; a place only says where ("how big is the market in India?"). */
const isSubject = (m: Mention) => m.kind === "term" || m.kind === "person";

// ---------------------------------------------------------------------------------------------
// references

type Form =
  /** it, this, that: one thing. */
  | "one"
  /** its: whose. */
  | "ones"
  /** they, them: several things. */
  | "many"
  /** their. */
  | "manys"
  /** these, those: the plural phrase asked about before. */
  | "those"
  /** he, she, him, her: a person. */
  | "person"
  /** his, her (before a noun): a person's. */
  | "persons"
  /** there: a place. */
  | "there"
  /** which one, which of the two: a choice between two things. */
  | "choice"
  /** the other one. */
  | "other"
  /** both, the two. */
  | "both"
  /** one (in "which one"): an instance of a kind named before ("country"). */
  | "sort"
  /** any, some (with their noun left out): of the plural phrase asked about before ("are there any for small firms?"). */
  | "quantity"
  /** one (with its noun left out, after a verb): another of the subject ("can a company find one through an intermediary?"). */
  | "another";

interface Reference {
  start: number;
  end: number;
  form: Form;
  /** "which of those" without two things to choose from: "those" alone points back. */
  fallback?: Reference;
  /** Nothing to point at is no problem ("which is cheaper?" without two things compared is an ordinary question). */
  optional?: boolean;
}

/** English personal pronouns of the third person: a closed class, by what they can point at. */
const PRONOUNS: Record<string, Form> = {
  it: "one",
  itself: "one",
  its: "ones",
  they: "many",
  them: "many",
  themselves: "many",
  their: "manys",
  theirs: "manys",
  he: "person",
  him: "person",
  himself: "person",
  she: "person",
  herself: "person",
  his: "persons",
  hers: "persons",
};

const BE = /^(?:is|are|was|were|be|been|being|'s|isn't|aren't|wasn't|weren't)$/;
const DETERMINER = /^(?:a|an|the)$/;

/** Whether the words at i start a noun phrase (so a demonstrative before them is a determiner, "that company"). */
const startsPhrase = (tokens: Token[], i: number) => is(tokens[i], "Noun", "Adjective", "Value") && !is(tokens[i], "Pronoun") && !BE.test(tokens[i]?.normal ?? "");

/** "Is it worth it to outsource …", "it is said that …": an "it" that stands for the clause that follows, not for a thing. */
function dummyIt(tokens: Token[], i: number): boolean {
  const nearBe = BE.test(tokens[i - 1]?.normal ?? "") || BE.test(tokens[i + 1]?.normal ?? "");
  if (!nearBe) return false;
  const rest = tokens.slice(i + 1).filter((t) => t.sentence === tokens[i]!.sentence);
  // The tagger reads "to outsource" as a conjunction and a noun: any "to" not followed by a noun phrase's determiner will do.
  return rest.some((t, k) => (t.normal === "to" && rest[k + 1] !== undefined && !is(rest[k + 1], "Determiner", "Pronoun")) || /^(?:that|whether)$/.test(t.normal));
}

/** The pointing words of a question and what kind of thing each points at. */
function references(tokens: Token[], own: Mention[]): Reference[] {
  const refs: Reference[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    // "it's" is "it" with its verb.
    const word = t.normal.replace(/[^a-z']/g, "").replace(/'s$/, "");
    const next = tokens[i + 1]?.normal ?? "";
    const nextNext = tokens[i + 2]?.normal ?? "";
    // Choices and pairs first: they contain words that would otherwise read as pronouns.
    if (word === "which" && /^(?:ones?)$/.test(next)) {
      // Without two things to choose from, "which one" asks for one of a kind named before ("Which country …?" "And which one …?").
      refs.push({ start: i, end: i + 2, form: "choice", fallback: { start: i + 1, end: i + 2, form: "sort" } });
      i++;
    } else if (word === "which" && isVerb(tokens[i + 1]) && (i === 0 || !is(tokens[i - 1], "Noun"))) {
      // "which is cheaper?" after two things were compared; otherwise a plain question word.
      refs.push({ start: i, end: i + 1, form: "choice", optional: true });
    } else if (word === "which" && next === "of" && /^(?:the two|them|these|those|both)$/.test(`${nextNext}${/^the$/.test(nextNext) ? ` ${tokens[i + 3]?.normal ?? ""}` : ""}`)) {
      const end = nextNext === "the" ? i + 4 : i + 3;
      const pointer = PRONOUNS[nextNext] ?? (/^(?:these|those)$/.test(nextNext) ? "those" : undefined);
      refs.push({ start: i, end, form: "choice", ...(pointer ? { fallback: { start: i + 2, end: i + 3, form: pointer } } : {}) });
      i = end - 1;
    } else if (word === "the" && next === "other" && (/^ones?$/.test(nextNext) || !startsPhrase(tokens, i + 2))) {
      const end = /^ones?$/.test(nextNext) ? i + 3 : i + 2;
      refs.push({ start: i, end, form: "other" });
      i = end - 1;
    } else if ((word === "both" && !startsPhrase(tokens, i + 1)) || (word === "the" && next === "two" && !startsPhrase(tokens, i + 2))) {
      const end = word === "both" ? (next === "of" && /^(?:them|these|those)$/.test(nextNext) ? i + 3 : i + 1) : i + 2;
      refs.push({ start: i, end, form: "both" });
      i = end - 1;
    } else if (PRONOUNS[word] && is(t, "Pronoun", "Possessive") && t.text !== "IT" && !(word === "it" && dummyIt(tokens, i))) {
      refs.push({ start: i, end: i + 1, form: PRONOUNS[word]! });
    } else if (word === "her") {
      refs.push({ start: i, end: i + 1, form: startsPhrase(tokens, i + 1) ? "persons" : "person" });
    } else if (/^(?:this|that|these|those)$/.test(word) && demonstrativePronoun(tokens, i)) {
      refs.push({ start: i, end: i + 1, form: word === "these" || word === "those" ? "those" : "one" });
    } else if (word === "one" && (isVerb(tokens[i - 1]) || is(tokens[i - 1], "There")) && !startsPhrase(tokens, i + 1) && next !== "of") {
      refs.push({ start: i, end: i + 1, form: "another", optional: true });
    } else if (/^(?:any|some)$/.test(word) && !startsPhrase(tokens, i + 1) && next !== "of" && !is(tokens[i + 1], "Adverb")) {
      refs.push({ start: i, end: i + 1, form: "quantity", optional: true });
    } else if (word === "there" && !BE.test(tokens[i - 1]?.normal ?? "") && !BE.test(next) && !/^(?:'s|are|is)$/.test(t.post.trim())) {
      refs.push({ start: i, end: i + 1, form: "there" });
    }
  }
  return refs.filter((r) => !boundInQuestion(tokens, own, r));
}

/** "Is that cheaper?", "which of those", "why is that?": a demonstrative standing alone, not "that company" or "firms that do KPO". */
function demonstrativePronoun(tokens: Token[], i: number): boolean {
  const previous = tokens[i - 1];
  const opens = !previous || previous.sentence !== tokens[i]!.sentence || /[,;:]/.test(previous.post) || is(previous, "QuestionWord", "Preposition", "Conjunction") || BE.test(previous.normal) || is(previous, "Auxiliary") || /^(?:do|does|did|can|could|would|will|should)$/.test(previous.normal);
  if (!opens) return false;
  // "those benefits", "that cheap option" are determiners; "is that true?" and "which of those matter" (the tagger reads
  // "matter" as a noun, but after "of" the demonstrative stands alone) are not.
  // "is that KPO?": no one says "that KPO" to mean a particular KPO.
  if (previous?.normal === "of" || /[,;:?.!]/.test(tokens[i]!.post) || is(tokens[i + 1], "Acronym", "ProperNoun")) return true;
  let k = i + 1;
  while (is(tokens[k], "Adjective") && !is(tokens[k], "Noun") && !/[,;:?.!]/.test(tokens[k]!.post)) k++;
  return !(k === i + 1 ? startsPhrase(tokens, k) : is(tokens[k], "Noun") && !is(tokens[k], "Pronoun"));
}

/**
 * A pronoun whose antecedent is in the question itself ("KPO — is it risky?", "My manager says
 * KPO. What is it?"): something of the right kind named before it, in an earlier clause (the
 * subject of its own clause is never what an object pronoun stands for: "Why do KPO firms do it?").
 */
function boundInQuestion(tokens: Token[], own: Mention[], ref: Reference): boolean {
  const fits = (m: Mention) => {
    switch (ref.form) {
      case "one":
      case "ones":
        return !m.plural && m.kind !== "place";
      case "many":
      case "manys":
      case "those":
        return m.plural;
      case "person":
      case "persons":
        return m.kind === "person";
      case "there":
        return m.kind === "place";
      default:
        return false;
    }
  };
  return own.some((m) => {
    if (m.end > ref.start || !fits(m)) return false;
    for (let k = m.end - 1; k < ref.start; k++) if (clauseBreakAfter(tokens, k)) return true;
    return false;
  });
}

/** The antecedent text of a reference, from the most recent turn that has one; undefined when none has. */
function antecedent(form: Form, earlier: Context[], singularTaken: boolean): string | undefined {
  for (const c of [...earlier].reverse()) {
    const { subject, pair, frame, mentions } = c.topic;
    const named = (kind: Mention["kind"]) => mentions.find((m) => m.kind === kind) ?? c.answerNames().find((m) => m.kind === kind);
    switch (form) {
      case "one":
      case "ones":
        if (subject) return subject.text;
        break;
      case "many":
      case "manys":
        if (pair) return `${pair[0].text} and ${pair[1].text}`;
        if (frame) return frame;
        // "What do they call it there?": with "it" standing for the subject, "they" are people in general.
        if (subject && !singularTaken) return subject.text;
        if (subject) return undefined;
        break;
      case "those":
        if (frame) return frame;
        if (pair) return `${pair[0].text} and ${pair[1].text}`;
        if (subject) return subject.text;
        break;
      case "person":
      case "persons":
        if (named("person")) return named("person")!.text;
        break;
      case "there":
        if (named("place")) return named("place")!.text;
        break;
      case "quantity":
        if (frame) return frame.replace(/^(?:the|a|an)\s+/i, "");
        break;
      case "another":
        if (subject && !subject.plural) return `${/^[aeiou]/i.test(subject.text) ? "an" : "a"} ${subject.text.replace(/^(?:the|a|an)\s+/i, "")}`;
        break;
      case "sort": {
        const kindOf = mentions.find((m) => m.kind === "thing" && m !== subject);
        if (kindOf) return nlp(kindOf.text.replace(/^(?:the|a|an)\s+/i, "")).nouns().toSingular().text() || kindOf.text;
        break;
      }
      case "choice":
      case "both":
        if (pair) return form === "choice" ? `${pair[0].text} or ${pair[1].text}` : `${pair[0].text} and ${pair[1].text}`;
        break;
      case "other": {
        // The subject asked about before the latest one ("What is KPO?" "And BPO?" "What are the risks of the other one?").
        const latest = latestWithSubject(earlier)?.topic.subject?.text;
        if (pair) return pair.map((m) => m.text).find((t) => t !== latest) ?? pair[1].text;
        const before = [...earlier].reverse().map((e) => e.topic.subject?.text).find((t) => t && t !== latest);
        if (before) return before;
        break;
      }
    }
  }
  return undefined;
}

/** People and places an earlier answer names (what "he" and "there" may point at), in reading order. */
function answerMentions(answer: string, matcher: Matcher): Mention[] {
  // Its first sentences are enough: what an answer names first is what a follow-up points at.
  const text = stripMarkup(answer.replace(/\[\d+\]/g, " ")).slice(0, 1500);
  return mentionsOf(tokenize(text), matcher, { namesOnly: true });
}

interface Substituted {
  tokens: Token[];
  resolved: number;
  dangling: string[];
}

/** Replaces each reference by its antecedent (possessives become "the <noun> of <antecedent>"). */
function substitute(tokens: Token[], refs: Reference[], earlier: Context[]): Substituted {
  const out: Token[] = [];
  const dangling: string[] = [];
  let resolved = 0;
  let choice: string | undefined;
  const singularTaken = refs.some((r) => r.form === "one" || r.form === "ones");
  let i = 0;
  for (const ref of refs) {
    out.push(...tokens.slice(i, ref.start));
    i = ref.end;
    const first = tokens[ref.start]!;
    const last = tokens[ref.end - 1]!;
    const typed = render(tokens.slice(ref.start, ref.end));
    let text = antecedent(ref.form, earlier, singularTaken);
    if (text === undefined && ref.fallback) {
      // "which of those matter most": no pair to choose from, so "those" points back at what was asked about.
      out.push(...tokens.slice(ref.start, ref.fallback.start));
      i = ref.fallback.end;
      const pointed = antecedent(ref.fallback.form, earlier, singularTaken);
      if (pointed !== undefined) {
        resolved++;
        out.push(insertion(pointed, tokens[ref.fallback.start]));
        out.push(...tokens.slice(ref.fallback.end, ref.end));
        i = ref.end;
        continue;
      }
      out.push(...tokens.slice(ref.fallback.start, ref.end));
      i = ref.end;
      dangling.push(typed);
      continue;
    }
    if (text === undefined) {
      out.push(...tokens.slice(ref.start, ref.end));
      if (ref.optional || ((ref.form === "many" || ref.form === "manys") && singularTaken)) continue;
      dangling.push(typed);
      continue;
    }
    resolved++;
    const like = { pre: first.pre, post: last.post };
    switch (ref.form) {
      case "ones":
      case "manys":
      case "persons": {
        // "its risks" -> "the risks of BPO"; "his company" -> "Ashish Gupta's company".
        let end = ref.end;
        while (end < tokens.length && startsPhrase(tokens, end) && tokens[end]!.sentence === first.sentence && !(end > ref.end && /[,;:?.!]/.test(tokens[end - 1]!.post))) end++;
        if (end === ref.end || ref.form === "persons") {
          out.push(insertion(`${text}'s`, like));
          break;
        }
        out.push(insertion(`the ${plainText(tokens.slice(ref.end, end))} of ${text}`, { pre: first.pre, post: tokens[end - 1]!.post }));
        i = end;
        break;
      }
      case "there": {
        const placed = is(tokens[ref.start - 1], "Preposition");
        out.push(insertion(placed ? text : `in ${text}`, like));
        break;
      }
      case "quantity":
        out.push(insertion(`${first.text} ${text}`, like));
        break;
      case "choice":
        // "which one would handle X?" -> "which one would handle X, KPO or BPO?": the alternatives go last, as people say them.
        out.push(...tokens.slice(ref.start, ref.end));
        choice = text;
        break;
      default:
        // "it's growing" -> "KPO's growing": the contraction keeps its verb.
        out.push(insertion(/'s$/i.test(first.text) ? `${text}'s` : text, like));
    }
  }
  out.push(...tokens.slice(i));
  if (choice) appendBeforeEnd(out, `, ${choice}`);
  return { tokens: dropRepeatedPlace(out), resolved, dangling };
}

/** The words of tokens without the punctuation around them. */
const plainText = (tokens: Token[]) => tokens.map((t, k) => (k === 0 ? t.text : `${t.pre.replace(/\S/g, "")}${t.text}`)).join(" ").replace(/\s+/g, " ");

/** "what do they call KPO in the Philippines in the Philippines?": a place already in the inserted subject is not said twice. */
function dropRepeatedPlace(tokens: Token[]): Token[] {
  const inserted = tokens.filter((t) => t.tags.has("Inserted"));
  return tokens.filter((t, k) => !(t.tags.has("Inserted") && /^in /.test(t.text) && inserted.some((o, j) => o !== t && tokens.indexOf(o) !== k && o.text.includes(t.text.slice(3)))));
}

/** Adds text before the final punctuation of the last token. */
function appendBeforeEnd(tokens: Token[], text: string): void {
  const last = tokens.at(-1);
  if (!last) return;
  const end = /[?.!]+\s*$/.exec(last.post)?.[0] ?? "";
  tokens[tokens.length - 1] = { ...last, post: `${text}${end || last.post}` };
}

// ---------------------------------------------------------------------------------------------
// ellipsis

/** Leading words that only join a fragment to what came before: "and", "ok,", "so", "also", "what about". */
function fragmentCore(tokens: Token[]): Token[] | undefined {
  let i = 0;
  while (i < tokens.length && (is(tokens[i], "Conjunction", "Expression") || (i === 0 && is(tokens[i], "Adverb") && topicWords(tokens[i]!.normal).length === 0 && tokens.length > 1))) i++;
  if (is(tokens[i], "QuestionWord") && tokens[i + 1]?.normal === "about") i += 2;
  let end = tokens.length;
  // "... please", "... thanks": a closing politeness is no part of the fragment.
  while (end > i + 1 && is(tokens[end - 1], "Expression")) end--;
  const core = tokens.slice(i, end);
  // A gerund names an activity ("and recruitment process outsourcing?"): only a finite verb makes a clause.
  if (core.length === 0 || core.some((t) => isVerb(t) && !is(t, "Gerund"))) return undefined;
  return core;
}

/** The latest earlier turn with a subject. */
function latestWithSubject(earlier: Context[]): Context | undefined {
  return [...earlier].reverse().find((c) => c.topic.subject);
}

/** Completes a fragment from the previous question; undefined when no earlier turn has anything to complete it with. */
function completeFragment(core: Token[], earlier: Context[], matcher: Matcher): Resolution | undefined {
  const frame = latestWithSubject(earlier);
  if (!frame) return undefined;
  const coreText = render(core).replace(/[?.!]+$/, "").trim();
  const words = topicWords(coreText);
  // "what else?", "why?", "how so?": no topic of its own, so more on the same question.
  if (!asksAboutSomething(core)) return continuation(frame, earlier);
  const subject = frame.topic.subject!;
  const frameTokens = frame.topic.tokens;
  // "why there?" (-> "why in India?"): a question word with a circumstance asks it of the same subject.
  if (is(core[0], "QuestionWord")) {
    const rest = coreText.slice(core[0]!.text.length).trim();
    const named = mentionsOf(tokenize(coreText), matcher).some((m) => m.text === subject.text);
    return { question: tidy("?", `${core[0]!.text} ${named ? rest : `${subject.text} ${rest}`}`.trim()), kind: "ellipsis" };
  }
  // "and in the Philippines?": a phrase with a preposition adds (or replaces) a circumstance of the previous question.
  if (is(core[0], "Preposition")) {
    const object = mentionsOf(tokenize(coreText), matcher).find(isNamed);
    const same = object && frame.topic.mentions.find((m) => m.kind === object.kind && m !== subject && frameTokens[m.start - 1]?.normal === core[0]!.normal);
    if (same) return ellipsis(replaceSpan(frameTokens, same.start - 1, same.end, coreText), words, earlier);
    // "and in 2005?" after "… in 2006?": a year for a year.
    const year = /\d/.test(core[1]?.text ?? "") ? frameTokens.findIndex((t, k) => t.normal === core[0]!.normal && /\d/.test(frameTokens[k + 1]?.text ?? "")) : -1;
    if (year >= 0) return ellipsis(replaceSpan(frameTokens, year, year + 2, coreText), words, earlier);
    const tokens = [...frameTokens];
    appendBeforeEnd(tokens, ` ${coreText}`);
    return ellipsis(render(tokens), words, earlier);
  }
  const fragment = mentionsOf(tokenize(coreText), matcher)[0];
  const kind = fragment?.kind ?? "thing";
  const plural = fragment?.plural ?? false;
  const slots = frame.topic.mentions.filter((m) => !m.inChoice);
  if (kind === "thing") {
    // "and the downsides?" after "What are the benefits of KPO?": the phrase asked about changes, the subject stays.
    const facet = slots.find((m) => m.kind === "thing" && m !== subject && !(subject.start >= m.start && subject.end <= m.end));
    if (facet) return ellipsis(agree(replaceSpan(frameTokens, facet.start, facet.end, coreText), plural), words, earlier);
    if (subject.kind === "thing") return ellipsis(replaceSpan(frameTokens, subject.start, subject.end, coreText), words, earlier);
    // "and the downsides?" after "What is BPO?": the same subject, asked about in the fragment's terms.
    const named = new RegExp(`\\b${subject.text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`, "i").test(coreText);
    return ellipsis(`What ${plural ? "are" : "is"} ${withDeterminer(coreText, plural)}${named ? "" : ` of ${subject.text}`}?`, words, earlier);
  }
  // A term, place or person replaces the one of its kind ("and BPO?" after "What are the risks of KPO?"),
  // else the subject ("what about equity research?" after "Is bookkeeping KPO or BPO?").
  const target = (subject.kind === kind ? subject : undefined) ?? slots.find((m) => m.kind === kind) ?? (kind === "place" ? undefined : subject);
  if (!target) {
    const tokens = [...frameTokens];
    appendBeforeEnd(tokens, ` in ${coreText}`);
    return ellipsis(render(tokens), words, earlier);
  }
  return ellipsis(replaceSpan(frameTokens, target.start, target.end, coreText), words, earlier);
}

function ellipsis(resolved: string, words: string[], earlier: Context[]): Resolution {
  const question = tidy("?", resolved);
  return asksForInstances(words) ? { question, kind: "continuation", ...avoiding(earlier) } : { question, kind: "ellipsis" };
}

/** The frame's text with tokens [start, end) replaced. */
function replaceSpan(tokens: Token[], start: number, end: number, text: string): string {
  const like = { pre: tokens[start]!.pre, post: tokens[end - 1]!.post };
  return render([...tokens.slice(0, start), insertion(text, like), ...tokens.slice(end)]);
}

/** "What are an example of KPO?" -> "What is an example of KPO?": the verb before the replaced phrase agrees with it. */
function agree(text: string, plural: boolean): string {
  return text.replace(/^(\W*(?:what|which|who|how)\s+)(is|are|was|were)\b/i, (_, lead: string, verb: string) => {
    const past = /^w/i.test(verb);
    return `${lead}${plural ? (past ? "were" : "are") : past ? "was" : "is"}`;
  });
}

/** "downsides" -> "the downsides", "example" -> "an example"; a phrase with its own determiner stays. */
function withDeterminer(text: string, plural: boolean): string {
  if (/^(?:the|a|an|any|some|more|other|another|main|key)\b/i.test(text)) return text;
  return plural ? `the ${text}` : `${/^[aeiou]/i.test(text) ? "an" : "a"} ${text}`;
}

// ---------------------------------------------------------------------------------------------
// continuation and carried-over subjects

/** "An example?", "more examples", "what kinds?": asking for instances of what was just answered, which the answer already showed some of. */
function asksForInstances(words: string[]): boolean {
  const instance = new Set([stem("example"), ...synonymsOf(stem("example"))]);
  return words.length > 0 && words.every((w) => instance.has(stem(w)));
}

function avoiding(earlier: Context[]): Pick<Resolution, "avoidText"> {
  const shown = earlier.at(-1)?.answer;
  return shown ? { avoidText: [shown] } : {};
}

/** "Tell me more", "go on": the previous question again, without what its answer showed. */
function continuation(frame: Context, earlier: Context[]): Resolution {
  return { question: frame.question, kind: "continuation", ...avoiding(earlier) };
}

/**
 * "what are the main risks?" -> "what are the main risks of BPO?"; "which countries lead?" ->
 * "which countries lead in BPO?"; "how big is the market in India?" -> "how big is the market of
 * KPO in India?" (a closing place phrase stays last).
 */
function attachSubject(tokens: Token[], subject: Mention, matcher: Matcher): string {
  const mentions = mentionsOf(tokens, matcher);
  // After the first phrase the question asks about: "How much is the market of KPO worth?"
  const phrase = mentions.find((m) => m.kind === "thing");
  if (phrase && phrase.end < tokens.length) {
    const joined = [...tokens];
    const last = joined[phrase.end - 1]!;
    joined[phrase.end - 1] = { ...last, post: ` of ${subject.text}${last.post}` };
    return render(joined);
  }
  const place = mentions.find((m) => m.kind === "place" && m.end === tokens.length && is(tokens[m.start - 1], "Preposition"));
  const body = place ? tokens.slice(0, place.start - 1) : tokens;
  const content = body.filter((t) => topicWords(t.normal).length > 0 || is(t, "Noun"));
  const last = content.at(-1);
  const joined = [...body];
  const link = `${is(last, "Noun") && !is(last, "Pronoun") ? " of" : " in"} ${subject.text}`;
  if (!place) {
    appendBeforeEnd(joined, link);
    return render(joined);
  }
  const end = joined.at(-1)!;
  joined[joined.length - 1] = { ...end, post: `${link}${end.post}` };
  return render([...joined, ...tokens.slice(place.start - 1)]);
}


// ---------------------------------------------------------------------------------------------
// replies

/** The reply to a follow-up that points at nothing the conversation named: say so and ask, never guess. */
export function askForSubject(resolution: Pick<Resolution, "dangling">): string {
  const what = resolution.dangling ? `what “${resolution.dangling}” refers to` : "what this follow-up is about";
  return `I can't tell ${what}: the conversation so far doesn't name it, and I won't guess. Which term or topic do you mean? Ask again naming it, for example “What are the risks of KPO?”.`;
}

/** The reply to "tell me more" when the previous answer already showed everything relevant. */
export function nothingMore(): string {
  return "The sources say nothing more on this than the previous answer already showed.";
}
