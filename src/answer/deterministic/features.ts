import type { GlossaryEntry } from "../../schema/glossary.ts";
import type { ListType } from "../../schema/passage.ts";
import { normalizeTerm, stem } from "../../text/terms.ts";
import type { Asks, Relation } from "./asks.ts";
import type { Knowledge } from "./knowledge.ts";
import type { AnalyzedQuestion } from "./question.ts";
import { synonymsOf, topicWords } from "./query-words.ts";
import { namesEntry } from "./names.ts";
export { namesEntry } from "./names.ts";
import type { Unit } from "./units.ts";

/**
 * The question as the selector sees it: its topic terms weighted by rarity (what is asked at full
 * weight, the story around it at a third), its embedding, what kind of answer it asks for and the
 * glossary terms it names.
 */
export interface QuestionView {
  analyzed: AnalyzedQuestion;
  asks: Asks;
  subjects: GlossaryEntry[];
  /** Terms of the focus (and of the piece it points back at), weighted by rarity. */
  focusTerms: Map<string, number>;
  /** Terms of the rest of the question (preambles, chat tails). */
  contextTerms: Map<string, number>;
  vector: number[];
  /** Sources the question names by publisher ("what does Wikipedia say"). */
  namedSources: Set<string>;
  /** Share of the best retrieved document passages (by retrieval score) that are the user's own documents (outside the curated layer). */
  ownShare: number;
}

/**
 * The features of one unit for one question, by name. Every feature is a general property of a
 * sentence and a question (meaning, word overlap, whether it states the kind of fact asked for,
 * where it sits); the weights are learned from labelled questions (`npm run train`).
 */
export const FEATURES = [
  "bias",
  "dense",
  "denseRel",
  "lexical",
  "lexicalRel",
  "crux",
  "context",
  "heading",
  "subject",
  "otherSubject",
  "bothSubjects",
  "retrieval",
  "rankTop3",
  "claim",
  "glossary",
  "item",
  "lead",
  "defines",
  "defHead",
  "listNote",
  "listWords",
  "listClaim",
  "typeMatch",
  "typeMissing",
  "typeNear",
  "relation",
  "task",
  "figures",
  "names",
  "namedSource",
  "short",
  "long",
  "questionMark",
  "pointsBack",
  "domainMismatch",
  "example",
  "exampleBest",
] as const;
export type FeatureName = (typeof FEATURES)[number];

/** Headings and words that mark a passage as being about one kind of list (general vocabulary of risks, benefits, examples). */
const LIST_HEADING: Record<ListType, RegExp> = {
  risks: /risk|disadvantage|drawback|downside|challenge|concern|threat|cons\b/i,
  benefits: /benefit|advantage|reason|importance|pros\b|gain/i,
  examples: /type|example|service|industr|domain|function|kinds of work|areas|uses/i,
};
const LIST_WORDS: Record<ListType, RegExp> = {
  risks: /\b(risk\w*|disadvantage\w*|compromis\w*|threat\w*|los[st]\w*|concern\w*|challeng\w*|barrier\w*|lack|inability|cannot|security|confidential\w*)\b/i,
  benefits: /\b(benefit\w*|advantage\w*|reduc\w*|sav\w*|cheaper|flexib\w*|efficien\w*|productiv\w*|competitive\w*|access to)\b/i,
  examples: /\b(include\w*|such as|e\.g\.|for example|for instance|like)\b/i,
};

/**
 * Words by which a sentence expresses a relation (general English discourse markers): a reason or
 * purpose, a likeness, a contrast, a recommendation or condition, a sequence of steps.
 */
const RELATION_CUES: Record<Relation, RegExp> = {
  reason: /\b(?:because|since|so that|in order to|to (?:save|cut|reduce|gain|get|access|focus|avoid|improve|free|fill|boost)|helps?|allows?|lets?|enables?|can (?:save|reduce|help|give|free)|benefit\w*|advantage\w*|reason\w*|leads? to|result\w* in)\b/i,
  similarity: /\b(?:both|like (?:\w+ ){0,3}(?:also|too)?|likewise|similar\w*|same|also|as well|in common|share\w*)\b/i,
  contrast: /\b(?:whereas|while|unlike|by contrast|in contrast|than|differ\w*|difference|distinguish\w*|rather than|instead|but|however|on the other hand|more|less)\b/i,
  advice: /\b(?:should|must|need to|needs to|may|can|best|depends|consider|recommend\w*|ensure|make sure|check|allowed|not allowed|permitted|prohibited|only if|unless|requires?|required)\b/i,
  process: /\b(?:first|then|next|after|before|within|step|stage|once|until|by day|sends?|completes?|approves?|submits?|reviews?)\b/i,
};

/**
 * A sentence that opens by pointing back at what came before it in its source (general English
 * anaphora and connectives: "These predictions …", "It also …", "However, …", "In other words, …")
 * leans on an antecedent the answer may not show.
 */
const OPENS_POINTING_BACK = /^(?:these|this|those|that|such|it|its|they|their|them|he|she|his|her|the same|however|but|and|also|moreover|furthermore|in other words|as (?:above|such|a result)|thus|therefore|hence)\b/i;

const DEFINING = /^(.{2,60}?)(?:\s*(?:\([^)]{1,20}\)))?\s*(?::|\bmeans\b|\bis (?:a|an|the|when|where|how)\b|\bare (?:the )?\b|\brefers? to\b|\bis defined as\b|\bstands? for\b|\bdescribes?\b|\binvolves?\b|=)/i;

/** Share of the weighted terms present in a set of terms; a synonym counts a little less than the word itself. */
export function coverage(terms: Map<string, number>, present: Set<string>): number {
  let total = 0;
  let hit = 0;
  for (const [t, w] of terms) {
    total += w;
    if (present.has(t)) hit += w;
    else if (synonymsOf(t).some((s) => present.has(s))) hit += 0.7 * w;
  }
  return total ? hit / total : 0;
}

export type FeatureRow = Record<FeatureName, number>;

/** Features of every unit for one question (some are relative to the best unit, so they are computed together). */
export function unitFeatures(knowledge: Knowledge, q: QuestionView, units: Unit[]): FeatureRow[] {
  const focusTerms = q.focusTerms;
  const crux = [...focusTerms].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  const raw = units.map((u) => {
    const dense = knowledge.similarity(q.vector, u.sentence);
    const lexical = coverage(focusTerms, u.terms);
    return { dense, lexical };
  });
  const maxDense = Math.max(1e-6, ...raw.map((r) => r.dense));
  const maxLexical = Math.max(1e-6, ...raw.map((r) => r.lexical));
  const figures = q.analyzed.figures;
  const names = q.analyzed.names.map((n) => n.toLowerCase());
  const defined = q.asks.defines ? normalizeTerm(q.asks.defines) : undefined;
  // A fact is near what is asked about, not near the words asking for its kind: "the year before, in 2005" states no year of "in what year did Gupta coin the term".
  const cue = new Set(topicWords(q.asks.typeCue ?? "").map((w) => knowledge.termOf(w)));
  const aboutTerms = new Map([...focusTerms].filter(([t]) => !cue.has(t)));
  const askedWords = ` ${normalizeTerm(`${q.analyzed.referent} ${q.analyzed.focus}`)} `;
  const definedEntries = defined ? q.subjects.filter((e) => [e.term, ...e.aliases].some((n) => normalizeTerm(n) === defined) || q.subjects.length === 1) : [];
  return units.map((u, i): FeatureRow => {
    const { dense, lexical } = raw[i]!;
    const heading = headingText(u);
    const headingTerms = knowledge.termsOfHeading(u.chunk.id, heading);
    const about = `${u.text} ${heading}`;
    const named = q.subjects.filter((e) => namesEntry(e, about));
    const others = named.length === 0 && q.subjects.length > 0 && knowledge.namesAnyEntry(u.text);
    const type = q.asks.answerType;
    const facts = type ? knowledge.factSpans(u.text, type) : [];
    const lower = u.text.toLowerCase();
    const words = u.text.split(/\s+/).length;
    const listType = q.asks.listType;
    const claim = u.chunk.claim;
    return {
      bias: 1,
      dense,
      denseRel: dense / maxDense,
      lexical,
      lexicalRel: lexical / maxLexical,
      crux: crux && (u.terms.has(crux) || synonymsOf(crux).some((s) => u.terms.has(s))) ? 1 : 0,
      context: coverage(q.contextTerms, u.terms),
      heading: coverage(focusTerms, headingTerms),
      subject: q.subjects.length ? named.length / q.subjects.length : 0,
      otherSubject: others ? 1 : 0,
      bothSubjects: q.asks.pair && q.asks.pair.every((e) => namesEntry(e, u.text)) ? 1 : q.asks.choice && q.asks.choice.every((e) => namesEntry(e, u.text)) ? 1 : 0,
      retrieval: u.retrieval,
      rankTop3: u.rank !== undefined && u.rank <= 3 ? 1 : 0,
      claim: u.kind === "claim" ? 1 : 0,
      glossary: u.kind === "glossary" ? 1 : 0,
      item: u.kind === "item" ? 1 : 0,
      lead: u.sentence.position === 0 ? 1 : 0,
      defines: defined ? definesFeature(u, defined, definedEntries) : 0,
      defHead: definedHeadAsked(u, askedWords),
      listNote: listType && (claim?.listType === listType || LIST_HEADING[listType].test(heading)) ? 1 : 0,
      listWords: listType && LIST_WORDS[listType].test(u.text) ? 1 : 0,
      listClaim: listType && u.kind === "claim" ? 1 : 0,
      typeMatch: type && facts.length ? 1 : 0,
      typeMissing: type && !facts.length ? 1 : 0,
      typeNear: facts.length ? typeNearness(u.text, facts, aboutTerms) : 0,
      relation: q.asks.relation && RELATION_CUES[q.asks.relation].test(u.text) ? 1 : 0,
      task: claim?.work && claim.tasks.some((t) => taskNamed(q.analyzed.text, t)) ? 1 : 0,
      figures: figures.length ? figures.filter((f) => u.text.includes(f)).length / figures.length : 0,
      names: names.length ? names.filter((n) => lower.includes(n)).length / names.length : 0,
      namedSource: q.namedSources.size && u.sourceIds.some((s) => q.namedSources.has(s)) ? 1 : 0,
      short: words < 6 ? 1 : 0,
      long: words > 45 ? 1 : 0,
      questionMark: u.text.trimEnd().endsWith("?") ? 1 : 0,
      pointsBack: u.kind !== "claim" && u.kind !== "glossary" && OPENS_POINTING_BACK.test(u.text.replace(/^[\s*_#>•-]+/, "")) ? 1 : 0,
      domainMismatch: u.curated ? q.ownShare : 1 - q.ownShare,
      // Filled in per model by the composer: votes of the model's labelled example questions.
      example: 0,
      exampleBest: 0,
    };
  });
}

/** The headings a unit sits under: a document's section path and title, a glossary entry's term, a claim's note title. */
export function headingText(u: Unit): string {
  if (u.kind === "glossary") {
    return u.chunk.title;
  }
  return `${u.chunk.section.join(" ")} ${u.chunk.title}`;
}

/**
 * How well a unit defines the phrase a definition question asks about: 1 for the opening sentence of
 * the glossary entry for it, or a sentence that opens with the phrase and a defining verb or colon
 * ("Red File: a status ...", "Landed rate means ..."); 0.5 for a defining sentence naming it later.
 */
const MAX_TERM_WORDS = 6;

function definesFeature(u: Unit, defined: string, entries: GlossaryEntry[]): number {
  if (u.kind === "glossary") return entries.some((e) => u.chunk.term === e.slug) ? (u.sentence.position === 0 ? 1 : 0.3) : 0;
  const head = DEFINING.exec(u.text.replace(/^[\s*_#>-]+/, ""))?.[1];
  if (head === undefined) return 0;
  const headTerm = normalizeTerm(head);
  const definedWords = defined.split(" ");
  // A term is a short noun phrase: a long clause before a colon ("A less common definition treats KPO as
  // transformational BPO: …") names the phrase, it does not define it.
  if (headTerm.split(" ").length > MAX_TERM_WORDS) return normalizeTerm(u.text).includes(defined) ? 0.5 : 0;
  if (headTerm === defined || headTerm.endsWith(` ${defined}`) || (definedWords.length > 1 && headTerm.includes(defined))) return 1;
  return normalizeTerm(u.text).includes(defined) ? 0.5 : 0;
}

/**
 * Whether a unit defines something the question names, whatever the question's form: "examples of
 * what counts as Category C data" is answered by "Category C data: our most sensitive data class: ...".
 * The defined phrase must be two words or more, or a rare single word, to count.
 */
function definedHeadAsked(u: Unit, askedWords: string): number {
  if (u.kind === "claim") return 0;
  const head = u.kind === "glossary" ? u.chunk.title : DEFINING.exec(u.text.replace(/^[\s*_#>-]+/, ""))?.[1];
  if (!head) return 0;
  const term = normalizeTerm(head);
  if (!term || (term.split(" ").length < 2 && term.length < 5)) return 0;
  return askedWords.includes(` ${term} `) ? 1 : 0;
}

/** Whether a question names a kind of work (all its words, plural "s" aside); short acronyms only in capitals. */
function taskNamed(question: string, task: string): boolean {
  const bare = (w: string) => (w.length > 3 ? w.replace(/(?<!s)s$/, "") : w);
  const questionWords = new Set(normalizeTerm(question).split(" ").map(bare));
  const taskWords = normalizeTerm(task).split(" ").filter(Boolean).map(bare);
  if (taskWords.length === 1 && taskWords[0]!.length <= 3 && !new RegExp(`\\b${taskWords[0]!.toUpperCase()}\\b`).test(question)) return false;
  return taskWords.length > 0 && taskWords.every((w) => questionWords.has(w));
}

/**
 * How close the kind of fact asked for sits to the words of the question in a unit: 1 when a name,
 * date or amount is next to a word the question asks about ("Tomas Brennan, Renewal Coordinator"),
 * falling with the distance in words. A sentence that names someone far from the role asked about
 * does not say who holds that role.
 */
function typeNearness(text: string, facts: { start: number; end: number }[], focusTerms: Map<string, number>): number {
  const tokens = [...text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'’.,:€$£%-]*/gu)].map((m) => ({ start: m.index, end: m.index + m[0].length, term: stem(m[0].toLowerCase().replace(/[^\p{L}\p{N}]+$/u, "")) }));
  const focusAt = tokens.flatMap((t, i) => (focusTerms.has(t.term) ? [i] : []));
  if (focusAt.length === 0) return 0;
  let best = Infinity;
  for (const span of facts) {
    const first = tokens.findIndex((t) => t.end > span.start);
    const last = tokens.findLastIndex((t) => t.start < span.end);
    if (first < 0 || last < 0) continue;
    for (const f of focusAt) best = Math.min(best, f < first ? first - f : f > last ? f - last : 0);
  }
  return best === Infinity ? 0 : 1 / (1 + Math.max(0, best - 1));
}
