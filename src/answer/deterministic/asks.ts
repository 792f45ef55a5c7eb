import type { GlossaryEntry } from "../../schema/glossary.ts";
import type { GlossaryMatch } from "../../retrieve/glossary-match.ts";
import type { ListType } from "../../schema/passage.ts";
import { normalizeTerm, words } from "../../text/terms.ts";
import type { AnalyzedQuestion } from "./question.ts";
import { topicWords } from "./query-words.ts";

/**
 * What kind of answer a question asks for, read from its interrogative frame. These patterns are
 * general English question grammar (which words ask for a person, a date, a list, a comparison),
 * not wordings of particular questions; what to answer with is decided by the learned selector.
 */
export interface Asks {
  /** Several items of one kind: "what are the risks", "give me examples". */
  listType?: ListType;
  /** Two things related or contrasted ("X vs Y", "difference between X and Y", "is X part of Y"). */
  pair?: [GlossaryEntry, GlossaryEntry];
  /** Which of two models some work belongs to ("is bookkeeping KPO or BPO?"). */
  choice?: [GlossaryEntry, GlossaryEntry];
  /** A definition of one term: "what is X", "X = ?", "what does 'X' mean". */
  defines?: string;
  /** The kind of fact the question wants, when its frame says so ("who ...", "what year ..."). */
  answerType?: AnswerType;
  /** The words that ask for that kind of fact ("in what year"): they say what kind, not what about. */
  typeCue?: string;
  /** How the answer relates to its subject, when the frame says so: a reason, a likeness, a contrast, advice, a process. */
  relation?: Relation;
}

export type Relation = "reason" | "similarity" | "contrast" | "advice" | "process";

/**
 * Question frames that ask for a relation rather than a thing (general English: "why", "what do
 * ... have in common", "how is X different", "should we", "how does ... work"). The selector
 * learns how much a sentence that expresses that relation (RELATION_CUES) is worth.
 */
const RELATIONS: [Relation, RegExp][] = [
  ["similarity", /\b(?:in common|alike|similar\w*|same as|share|shared|both)\b/i],
  ["contrast", /\b(?:differ\w*|difference|compare\w*|comparison|contrast|distinguish\w*|vs\.?|versus|unlike|apart from|better|worse|faster|slower|cheaper|riskier|safer|more|less)\b/i],
  ["reason", /\bwhy\b|\b(?:reasons?|purpose|point|motivation)\b|\bwhat for\b|\bbother\b|\bhow (?:does|do|can|could|would|will) .{1,40}\b(?:help|benefit|improve|save)\b/i],
  ["advice", /\b(?:should (?:we|i|our|my)|shall we|do we (?:have|need)|can we|could we|is (?:it|that|this) (?:a )?(?:good|wise|smart|worth|right|sensible|safe|realistic|allowed|ok|okay)|good idea|worth it|make sense|right (?:choice|fit|model|option)|allowed|permitted|realistic|safe bet|recommend\w*|advice|advise)\b/i],
  ["process", /\bhow (?:do|does|did|can|should|would) (?:we|i|you|they|a company|companies|it)\b|\bwhat (?:are the )?steps\b|\bprocess for\b|\bprocedure\b/i],
];

export type AnswerType = "person" | "date" | "amount" | "number" | "place" | "duration";

/** Words a reader names a type of fact with, in the order they are tried. */
const ANSWER_TYPES: [AnswerType, RegExp][] = [
  ["date", /\b(?:when (?:did|does|do|is|are|was|were|will|would|can|could|should|must|has|have)|by when|since when|what (?:year|date|month|day)|which (?:year|date|month)|in what year|how long ago|what time)\b|\b(?:what|which)\b[^?]{0,40}\bhours\b|\bhours (?:of|for)\b/i],
  ["duration", /\bhow (?:long|many (?:days|weeks|months|years|hours))\b/i],
  ["amount", /\bhow much\b(?!\s+(?:does|do|did|is|are|can|could|would|will)\b(?!.*\b(?:cost|pay|charge|spend|worth|budget|save)\w*))|\bwhat(?:'s| is| was| are| were)?\b[^?]{0,30}?\b(?:budget|price|cost|fee|rate|salary|limit|threshold|value|amount|spend|revenue)s?\b|\bhow big\b|\bworth\b/i],
  ["number", /\bhow many\b|\bwhat (?:percentage|percent|share|proportion|number)\b/i],
  // After a preposition, "who" opens a clause that names no one: "a say in who gets hired", "control over who works on it".
  ["person", /(?<!\b(?:in|on|of|over|about|for|with|to|from|by)\s+)\bwho(?:'s|m)?\b|\bwhose\b|\b(?:name|names) of (?:the )?(?:person|people|ceo|head|chair|owner)\b/i],
  ["place", /\bwhere\b|\bwhich (?:country|countries|city|cities|region|regions|location|locations)\b|\bin what (?:country|city|region)\b/i],
];

/** Plural list nouns (or "main/key X") signal a request for several items, when they are what the question asks for. */
const LIST_NOUNS: [ListType, string, string][] = [
  [
    "risks",
    "risks|disadvantages|drawbacks|downsides|cons|dangers|pitfalls|problems|issues|challenges|concerns|threats|go wrong|goes wrong|watch out|look out|be careful|beware|worry about|worried about",
    "risk|disadvantage|drawback|downside|challenge|catch",
  ],
  ["benefits", "benefits|advantages|pros|upsides|gains|get out of|gain from|in it for", "benefit|advantage|upside|point"],
  ["examples", "examples|types|kinds|sorts|categories|industries|sectors|services|fields|areas|domains|applications|uses|functions|activities|exmaples", "example|type"],
];
/** The list noun must be the object of the question: right after a determiner or question word, or among its first words. */
const listCue = (nouns: string, singular: string) =>
  new RegExp(
    `\\b(?:what|which|list|name|give(?: me)?|any|some|main|key|top|typical|common|biggest|major|the|few)\\b(?:\\W+\\w+){0,3}?\\W+(?:${nouns})\\b|^\\W*(?:\\w+\\W+){0,3}?(?:${nouns})\\b|\\b(?:main|key|biggest|major) (?:${singular})\\b|\\bthe (?:${singular}) (?:of|to|in|with|for)\\b`,
    "i",
  );
const LIST_CUES: [ListType, RegExp][] = LIST_NOUNS.map(([type, nouns, singular]) => [type, listCue(nouns, singular)]);

const COMPARISON_CUE = /\b(vs\.?|versus|diff|differ\w*|difference|compare\w*|comparison|distinguish\w*|same as|similar\w*|alike|unlike|in common|part of|subset|kind of|type of|evolve\w*|grew out|came from|better|faster|slower|cheaper|riskier|safer|more|less|than|both|relat\w*)\b/i;

/** The two glossary terms either side of the comparison cue, or the first two after it ("difference between X and Y"). */
function comparedPair(text: string, matches: GlossaryMatch[]): [GlossaryEntry, GlossaryEntry] | undefined {
  if (matches.length < 2) return undefined;
  const ws = words(text);
  let cue = ws.findIndex((w) => COMPARISON_CUE.test(w));
  // "Is KPO basically just BPO?": a yes/no question relating two terms close together.
  const byPosition = [...matches].sort((p, q) => p.position - q.position);
  if (cue < 0 && /^(?:is|are|was|were|isn't|aren't|does|do)$/.test(ws[0] ?? "")) {
    const [x, y] = byPosition;
    if (x!.position > 0 && x!.position <= 3 && y!.position - x!.position <= 5) cue = x!.position + 1;
  }
  if (cue < 0) return undefined;
  const before = byPosition.filter((m) => m.position < cue);
  const after = byPosition.filter((m) => m.position > cue);
  const pick = before.length && after.length ? [before.at(-1)!, after[0]!] : after.length >= 2 ? [after[0]!, after[1]!] : before.length >= 2 ? [before.at(-2)!, before.at(-1)!] : undefined;
  return pick && pick[0]!.entry !== pick[1]!.entry ? [pick[0]!.entry, pick[1]!.entry] : undefined;
}

/** "X or Y" between two glossary terms, closing a yes/no or which-question: which of the two some work is. */
function choiceBetween(text: string, matches: GlossaryMatch[]): [GlossaryEntry, GlossaryEntry] | undefined {
  const ws = words(text);
  for (const a of matches) {
    for (const b of matches) {
      if (a === b || b.position <= a.position) continue;
      const between = ws.slice(a.position + a.matched.split(" ").length, b.position);
      const joined = between.filter((w) => !["a", "an", "the"].includes(w));
      if (joined.length === 1 && joined[0] === "or" && a.entry !== b.entry) return [a.entry, b.entry];
    }
  }
  return undefined;
}

const DEFINITION_FRAME =
  /^\W*(?:(?:ok(?:ay)?|so|and|hey|hi|um+)[\s,]+)*(?:what(?:'s| is| are| was|s)?|wat(?: is)?|wut|whats|define|definition of|meaning of|explain|describe|who is|who are)\b|\bwhat (?:does|do|did) .{1,60}? (?:mean|stand for|refer to|involve)\b|\bis what\b|(?:=|means)\s*\?|\bmean(?:s|ing)?\??\s*$|\bstands? for\b/i;

/**
 * What a question asks for, given its analysis and the glossary terms it names. A definition is
 * asked when the frame is definitional and, the named term and the framing aside, little is left.
 */
export function readAsks(question: AnalyzedQuestion, matches: GlossaryMatch[], topicWordsLeft: number): Asks {
  const text = question.focus;
  const asks: Asks = {};
  const type = ANSWER_TYPES.find(([, re]) => re.test(text));
  if (type) {
    asks.answerType = type[0];
    asks.typeCue = type[1].exec(text)![0];
  }
  const relation = RELATIONS.find(([, re]) => re.test(text));
  if (relation) asks.relation = relation[0];
  const choice = choiceBetween(text, matches);
  if (choice) asks.choice = choice;
  const pair = comparedPair(text, matches);
  if (pair && !choice) asks.pair = pair;
  for (const [listType, cue] of LIST_CUES) {
    if (cue.test(text)) {
      asks.listType = listType;
      break;
    }
  }
  if (!asks.pair && !asks.choice && !asks.listType && DEFINITION_FRAME.test(text) && topicWordsLeft <= 1) {
    asks.defines = definedPhrase(question, matches);
  }
  return asks;
}

/** The phrase a definition question asks about: the quoted phrase, the name a pointing word stands for, the glossary term named, or the words after the frame. */
function definedPhrase(question: AnalyzedQuestion, matches: GlossaryMatch[]): string {
  const text = question.focus;
  const quoted = /['"‘“]([^'"’”]{2,60})['"’”]/.exec(text)?.[1];
  if (quoted) return normalizeTerm(quoted);
  if (question.subjectName) return question.subjectName;
  if (matches.length) return matches[0]!.matched;
  return normalizeTerm(
    text
      .replace(DEFINITION_FRAME, " ")
      .replace(/\b(?:exactly|actually|again|really|basically|here|for us|in (?:our|this) (?:company|team|context)|mean|means|stand for|refer to)\b/gi, " "),
  );
}

/**
 * Splits a compound question ("Why do X, and what do critics say about Y?") into its parts,
 * so each part gets its own evidence. A single question comes back as one part.
 */
export function questionParts(question: string): string[] {
  const parts = question
    .split(/\?\s+(?=\S)|[,;]?\s+(?:and|but|also)\s+(?=(?:what|why|how|which|who|when|where|is|are|does|do|can|could|should)\b)/i)
    .map((p) => p.trim())
    .filter((p) => topicWords(p).length >= 2);
  return parts.length > 1 ? parts.slice(0, 3) : [question];
}
