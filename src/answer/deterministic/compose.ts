import type { GlossaryMatch } from "../../retrieve/glossary-match.ts";
import type { Answer } from "../../schema/answer.ts";
import type { GlossaryEntry } from "../../schema/glossary.ts";
import { stem } from "../../text/terms.ts";
import type { Passage } from "../types.ts";
import { indexGlossary, notFoundText, relatedTerms, type GlossarySimilarity } from "../related.ts";
import { readAsks } from "./asks.ts";
import { unmetFlags } from "./evidence.ts";
import { coverage, namesEntry, unitFeatures, type FeatureRow, type QuestionView } from "./features.ts";
import { gateFeatures, unmetConstraints, type Scored } from "./gate.ts";
import type { Knowledge } from "./knowledge.ts";
import { loadAnswerModel, logistic, type AnswerModel } from "./model.ts";
import type { AnalyzedQuestion } from "./question.ts";
import { isFiller, topicWords } from "./query-words.ts";
import { renderAnswer } from "./render.ts";
import { selectUnits, shapeOf } from "./select.ts";
import { collectUnits, type Unit } from "./units.ts";
import { ExampleSet, votes, type Example, type Neighbour } from "./examples.ts";
import { isEnglishWord } from "../../text/dictionary.ts";
export { questionParts } from "./asks.ts";

export interface ComposeInput {
  id: string;
  question: AnalyzedQuestion;
  passages: Passage[];
  queryVector: number[];
  /** Glossary terms named in the question's focus (see resolveSubject). */
  matches: GlossaryMatch[];
  /** For compound questions: each part with its own embedding (see questionParts). */
  parts?: { text: string; vector: number[] }[];
  /** Text already shown to the user (a previous answer in the conversation): units it contains are not shown again. */
  avoidText?: string[];
}

type Composed = Pick<Answer, "status" | "answer" | "citations" | "related">;

/** What the composer decided for one question, for the trainer and for tests. */
export interface Decision {
  view: QuestionView;
  ranked: Scored[];
  gate: number;
  answerable: boolean;
  chosen: Scored[];
  composed: Composed;
}

/** How much a context word (preamble, trailing remark) counts next to a word of the question itself. */
const CONTEXT_WEIGHT = 0.35;
/** How much a word of the piece the focus points back at counts. */
const REFERENT_WEIGHT = 0.7;
/** Units given the full features; the others, furthest from the question, are left out. */
const CANDIDATES = 80;
/** The share of the evidence (by retrieval score) from the user's own documents from which a question is about them. */
const OWN_MAJORITY = 0.5;
/** How many of the best document passages decide whether a question is about the user's own documents. */
const DOMAIN_DEPTH = 5;

/**
 * Extractive answer composer. Every unit the question could be answered with (document sentences,
 * glossary sentences, curated claims) is scored by a learned model; a learned gate decides whether
 * the best ones answer the question; the answer opens with the best unit and adds others only while
 * they clear the same bar and say something new. The same question over the same index gives the
 * same output.
 */
export class DeterministicComposer {
  private readonly model: AnswerModel;

  readonly knowledge: Knowledge;
  private readonly glossary: GlossarySimilarity;
  /** The embedder that made the query vectors: example questions only vote when theirs was the same. */
  private readonly embedder: string;
  private readonly exampleSets = new WeakMap<AnswerModel, ExampleSet>();

  constructor(knowledge: Knowledge, options: { model?: AnswerModel; embedder?: string } = {}) {
    this.knowledge = knowledge;
    this.glossary = indexGlossary(knowledge);
    this.model = options.model ?? loadAnswerModel();
    this.embedder = options.embedder ?? "";
  }

  /** The labelled example questions nearest to this one, under a model (built once per model). */
  neighbours(view: QuestionView, model: AnswerModel = this.model, exclude?: (example: Example) => boolean): Neighbour[] {
    let set = this.exampleSets.get(model);
    if (!set) this.exampleSets.set(model, (set = model.examples ? ExampleSet.fromData(model.examples) : ExampleSet.empty()));
    return set.neighbours(view.vector, this.embedder, exclude);
  }

  /**
   * The text with each misspelt word (five letters or more, unknown to the corpus) replaced by the
   * closest corpus word. Capitalised words are names and stay as typed: "Manila" is no typo.
   */
  correctSpelling(text: string): string {
    return text.replace(/\p{L}{5,}/gu, (word) => {
      if (/^\p{Lu}/u.test(word)) return word;
      const lower = word.toLowerCase();
      // An English word is no typo, even when the corpus never uses it: "context" is not "content".
      if (isEnglishWord(lower)) return word;
      const spelt = this.knowledge.spell(lower);
      return spelt === lower ? word : spelt;
    });
  }

  /** What retrieval should search for: the question's topic words, without filler or markup (spelling is corrected before analysis). */
  searchText(question: AnalyzedQuestion): string {
    const words = [question.referent, question.focus, question.context].flatMap((t) => topicWords(t));
    return [...new Set(words)].join(" ") || question.text;
  }

  compose(input: ComposeInput): Composed {
    return this.decide(input).composed;
  }

  /** The full decision: the question's view, every unit ranked, the gate, what was chosen and the answer. */
  decide(input: ComposeInput, model: AnswerModel = this.model): Decision {
    const view = this.view(input);
    return this.conclude(view, this.rankUnits(view, input, model), input, model);
  }

  /** Every unit the question could be answered with: retrieved sentences, glossary sentences, claims about its subject. */
  candidates(view: QuestionView, input: ComposeInput): Unit[] {
    const units = collectUnits(this.knowledge, input.passages, input.matches.map((m) => m.entry.slug)).filter((u) => eligibleFor(u, view.subjects) && !shownBefore(u, input.avoidText));
    if (units.length <= CANDIDATES) return units;
    // Only the units closest to the question in meaning, words or retrieval get the full (slower) features: the rest
    // could not win. Ties keep corpus order, so the same question over the same index keeps the same candidates.
    const prelim = units.map((u, i) => ({ u, i, score: this.knowledge.similarity(view.vector, u.sentence) + coverage(view.focusTerms, u.terms) + u.retrieval }));
    return prelim
      .sort((a, b) => b.score - a.score || a.i - b.i)
      .slice(0, CANDIDATES)
      .sort((a, b) => a.i - b.i)
      .map((p) => p.u);
  }

  private readonly memo = new WeakMap<QuestionView, { units?: Unit[]; rows: Map<string, FeatureRow[]>; parts: Map<string, Pick<QuestionView, "focusTerms" | "vector">> }>();

  private memoFor(view: QuestionView) {
    let memo = this.memo.get(view);
    if (!memo) this.memo.set(view, (memo = { rows: new Map(), parts: new Map() }));
    return memo;
  }

  /** The selector's features of each unit for this question. */
  features(view: QuestionView, units: Unit[]): FeatureRow[] {
    return unitFeatures(this.knowledge, view, units);
  }

  /** Every candidate unit scored by the selector, best first. */
  rankUnits(view: QuestionView, input: ComposeInput, model: AnswerModel = this.model): Scored[] {
    const memo = this.memoFor(view);
    memo.units ??= this.candidates(view, input);
    let ranked = this.rank(view, memo.units, model);
    // A question whose best evidence is the user's own documents is answered from them alone: the curated
    // layer (glossary, topic notes, the documents they were written from) is about something else.
    if (ranked[0] && !ranked[0].unit.curated && view.ownShare > 0) ranked = ranked.filter((s) => !s.unit.curated);
    if (input.parts && input.parts.length > 1) ranked = this.interleaveParts(view, input.parts, ranked, model);
    return ranked;
  }

  /** From ranked units to an answer: constraints, the gate, then the units that clear the bar. */
  conclude(view: QuestionView, ranked: Scored[], input: Pick<ComposeInput, "passages" | "matches">, model: AnswerModel = this.model): Decision {
    const { knowledge } = this;
    const related = this.related(input.matches, input.passages);
    // Not found: only terms the question names or means (above the similarity floor), never whatever retrieval surfaced.
    const suggested = () => relatedTerms({ vector: view.vector, named: input.matches.map((m) => m.entry) }, this.glossary).map((r) => r.term);
    // A question whose evidence is the user's own documents (or a corpus without the curated layer) is told where
    // it was looked for, not offered glossary terms of the curated corpus.
    const aboutOwn = knowledge.ownDocuments.length > 0 && (knowledge.glossaryBySlug.size === 0 || view.ownShare >= OWN_MAJORITY);
    const notFound = (reason?: string): Composed => {
      const terms = aboutOwn ? [] : suggested();
      const ownDocuments = aboutOwn ? knowledge.ownDocuments : undefined;
      return { status: "not_found", answer: notFoundText({ reason, related: terms, glossaryTerms: knowledge.glossaryBySlug.size, ownDocuments }), citations: [], related: terms };
    };
    const unmet = unmetConstraints(knowledge, view, ranked);
    const neighbours = this.neighbours(view, model);
    const gate = logistic(model.gate, gateFeatures(knowledge, view, ranked, unmet, neighbours));
    const flags = unmetFlags(view.analyzed, input.passages);
    // A year no unit states cannot be answered; another figure may be a parameter of the question ("quotes for a
    // €40,000 purchase" falls in a range the sources give), so the gate weighs it instead.
    const missing = distinct([...unmet.names, ...unmet.figures.filter(isYear), ...flags]);
    // A question asking when is only answered by a date stated next to what it asks about (other kinds of fact the gate weighs).
    const answerable = ranked.length > 0 && gate >= model.gate.threshold && missing.length === 0 && !(unmet.type && view.asks.answerType === "date");
    const decision = (composed: Composed, chosen: Scored[] = []): Decision => ({ view, ranked, gate, answerable, chosen, composed });

    // On topic but short of what was asked ("what year ...", "... in 2023" where the sources give neither): say
    // what is missing, then, cited, what the sources do say, when the best unit clears the bar any shown unit must.
    const best = ranked[0];
    const partly = (what: string): Decision | undefined => {
      if (!best || best.p < model.policy.absolute) return undefined;
      const partial = renderAnswer(knowledge, [best.unit], { bullets: false, lead: `${what} What they do say:` });
      return decision({ status: "not_found", ...partial, related: suggested() }, [best]);
    };
    if (missing.length) {
      const what = `The sources say nothing about ${new Intl.ListFormat("en", { type: "disjunction" }).format(missing)}.`;
      // Only a qualifier of the question is missing ("… in 2022", "… in Germany"), not what it asks about ("a good
      // pizza place", "what does SLA mean?": nothing the corpus knows is left), and the question would be answerable
      // without it: the sources speak to the rest.
      const missingWords = new Set(missing.flatMap((m) => topicWords(m)));
      const rest = topicWords(view.analyzed.focus).filter((w) => !missingWords.has(w) && !isFiller(w) && !view.analyzed.generic.includes(w) && knowledge.resolve(w) !== undefined);
      const qualifiers = flags.length === 0 && rest.length > 0 && unmet.names.every((n) => view.analyzed.names.includes(n));
      const withoutThem = () => logistic(model.gate, gateFeatures(knowledge, view, ranked, { ...unmet, names: [], figures: [] }, neighbours)) >= model.gate.threshold;
      return (qualifiers && withoutThem() ? partly(what) : undefined) ?? decision(notFound(what));
    }
    if (!answerable) return (unmet.type ? partly(`The sources don't give ${unmet.type}.`) : undefined) ?? decision(notFound());
    const shape = shapeOf(view.asks);
    const chosen = selectUnits(knowledge, shape === "definition" ? definitionFirst(ranked, model.policy.absolute) : ranked, model.policy, shape);
    const choiceUnnamed = view.asks.choice && !chosen.some((s) => s.features.task === 1);
    const lead = choiceUnnamed ? "The sources don't name this kind of work, so they don't settle which it belongs to; the line they draw:" : undefined;
    const rendered = renderAnswer(knowledge, chosen.map((s) => s.unit), { bullets: Boolean(view.asks.listType) && chosen.length > 2, ...(lead ? { lead } : {}) });
    const shown = rendered.answer.toLowerCase();
    return decision({ status: "answered", ...rendered, related: related.filter((r) => !shown.includes(r.toLowerCase())) }, chosen);
  }

  /** Every unit scored by the selector, best first (ties by id, so the order never depends on the input's). */
  rank(view: QuestionView, units: Unit[], model: AnswerModel = this.model, key = ""): Scored[] {
    // Features do not depend on the model: a question ranked again under another model (the trainer's folds) reuses them.
    const memo = this.memoFor(view);
    let rows = memo.rows.get(key);
    if (!rows || rows.length !== units.length) memo.rows.set(key, (rows = unitFeatures(this.knowledge, key ? { ...view, ...memo.parts.get(key)! } : view, units)));
    const neighbours = this.neighbours(view, model);
    return units
      .map((unit, i) => {
        const { vote, best } = votes(neighbours, unit.id);
        const features = { ...rows[i]!, example: vote, exampleBest: best };
        return { unit, features, p: logistic(model.selector, features) };
      })
      .sort((a, b) => b.p - a.p || a.unit.id.localeCompare(b.unit.id));
  }

  /** The question as the selector sees it. */
  view(input: ComposeInput): QuestionView {
    const { knowledge } = this;
    const analyzed = input.question;
    const generic = new Set(analyzed.generic);
    // What the focus points back at ("... is that allowed?") is asked about too, a little less than the focus itself;
    // a name in it is part of the story ("a cleaning company in Tralee"), and counts as context does.
    const focusTerms = weightedTerms(knowledge, analyzed.focus, 1, generic);
    for (const [t, w] of weightedTerms(knowledge, analyzed.referent, REFERENT_WEIGHT, generic, new Set(analyzed.referentNames))) if (!focusTerms.has(t)) focusTerms.set(t, w);
    const contextTerms = weightedTerms(knowledge, analyzed.context, CONTEXT_WEIGHT, generic);
    for (const t of focusTerms.keys()) contextTerms.delete(t);
    const subjects = [...new Map(input.matches.map((m) => [m.entry.slug, m.entry])).values()];
    // The subject's own words (a glossary term, or the name a pointing word stands for) are not left over.
    const matchedStems = new Set([...input.matches.map((m) => m.matched), analyzed.subjectName ?? ""].flatMap((phrase) => phrase.split(" ").map(stem)));
    const left = topicWords(analyzed.focus).filter((w) => !matchedStems.has(stem(w)) && !isFiller(w)).length;
    const asks = readAsks(analyzed, input.matches, left);
    const documents = input.passages.filter((p) => p.kind !== "glossary" && p.kind !== "topic" && p.kind !== "comment").slice(0, DOMAIN_DEPTH);
    // Weighted by retrieval score: a user's one-page document that is by far the best match decides, though the
    // curated corpus fills the other places of the top five.
    const total = documents.reduce((n, p) => n + Math.max(0, p.score), 0);
    const own = documents.filter((p) => !knowledge.curatedSources.has(p.sourceId)).reduce((n, p) => n + Math.max(0, p.score), 0);
    return {
      analyzed,
      asks,
      subjects,
      focusTerms,
      contextTerms,
      vector: input.queryVector,
      namedSources: knowledge.sourcesNamedIn(analyzed.text),
      ownShare: total > 0 ? own / total : 0,
    };
  }

  /** A compound question: the best unit for each part leads, then the rest by overall score. */
  private interleaveParts(view: QuestionView, parts: { text: string; vector: number[] }[], ranked: Scored[], model: AnswerModel): Scored[] {
    const units = ranked.map((s) => s.unit);
    const leads: Scored[] = [];
    for (const part of parts) {
      const memo = this.memoFor(view);
      if (!memo.parts.has(part.text)) memo.parts.set(part.text, { focusTerms: weightedTerms(this.knowledge, part.text, 1, new Set(view.analyzed.generic)), vector: part.vector });
      const best = this.rank(view, units, model, part.text).find((s) => !leads.some((l) => l.unit.id === s.unit.id));
      if (best) leads.push(ranked.find((s) => s.unit.id === best.unit.id)!);
    }
    const order = [...leads, ...ranked.filter((s) => !leads.includes(s))];
    return order;
  }

  /** Glossary terms worth suggesting: those named in the question, then those retrieval surfaced. */
  private related(matches: GlossaryMatch[], passages: Passage[]): string[] {
    const slugs = [...matches.map((m) => m.entry.slug), ...passages.filter((p) => p.kind === "glossary").map((p) => p.term!)];
    const names = [...new Set(slugs)].map((s) => this.knowledge.glossaryBySlug.get(s)?.term).filter((t): t is string => Boolean(t));
    return names.slice(0, 3);
  }
}

/**
 * "What is X?" is answered by a sentence that defines X ("X: …", "X means …", the glossary entry for X)
 * wherever it is written: when one clears the bar any shown unit must, it opens the answer, and the
 * selector's order decides the rest. Sentences that only use the term ("X vendors are reviewed …") say
 * something about it, not what it is.
 */
function definitionFirst(ranked: Scored[], floor: number): Scored[] {
  const definition = ranked.find((s) => s.features.defines === 1 && s.p >= floor);
  return definition ? [definition, ...ranked.filter((s) => s !== definition)] : ranked;
}

/** What is missing, each once: a year that is also part of a name ("Overview 2024", "2024") is named once, by the name. */
function distinct(missing: string[]): string[] {
  const lower = missing.map((m) => m.toLowerCase());
  return missing.filter((_, i) => !lower.some((other, j) => (j < i && other === lower[i]) || (other !== lower[i] && ` ${other} `.includes(` ${lower[i]} `))));
}

const isYear = (figure: string) => /^(?:1[89]|20)\d\d$/.test(figure);

/** How much a word the tagger reads as a verb, adjective or adverb (never a noun) counts next to a noun: nouns carry a question's topic. */
const GENERIC_WEIGHT = 0.5;

/** Query terms resolved against the corpus vocabulary (typos corrected), weighted by rarity, by part of speech and by where they were asked. */
function weightedTerms(knowledge: Knowledge, text: string, weight: number, generic: ReadonlySet<string> = new Set(), story: ReadonlySet<string> = new Set()): Map<string, number> {
  const terms = new Map<string, number>();
  for (const word of topicWords(text)) {
    const resolved = knowledge.termOf(word);
    const part = story.has(word) ? CONTEXT_WEIGHT / weight : generic.has(word) ? GENERIC_WEIGHT : 1;
    if (!terms.has(resolved)) terms.set(resolved, knowledge.idfOf(resolved) * weight * part);
  }
  return terms;
}

/**
 * Curated claims and glossary sentences answer questions about their own subject: a claim of the
 * KPO risks note does not answer "what are the risks of BPO?". A question that names no glossary
 * term leaves every unit eligible.
 */
function eligibleFor(unit: Unit, subjects: GlossaryEntry[]): boolean {
  if (unit.kind !== "claim" || subjects.length === 0) return true;
  const about = `${unit.text} ${unit.chunk.title}`;
  return subjects.some((e) => namesEntry(e, about));
}

function shownBefore(unit: Unit, avoid: string[] | undefined): boolean {
  if (!avoid?.length) return false;
  const text = unit.text.replace(/\s+/g, " ").trim();
  return avoid.some((a) => a.replace(/\s+/g, " ").includes(text));
}
