import type { FeatureRow, QuestionView } from "./features.ts";
import type { Knowledge } from "./knowledge.ts";
import { topicWords } from "./query-words.ts";
import type { Unit } from "./units.ts";
import { answerability, type Neighbour } from "./examples.ts";

/**
 * Features of a whole question for the answerability gate: how well the best units answer it
 * (the selector's own probabilities, word and meaning overlap), how much of what it asks about
 * the corpus never mentions, and whether what it pins down (a name, a year, the kind of fact)
 * is met by the evidence.
 */
export const GATE_FEATURES = [
  "bias",
  "top",
  "second",
  "topLexical",
  "maxLexical",
  "maxDense",
  "unknown",
  "focusSize",
  "typeAsked",
  "typeUnmet",
  "typeNear",
  "coherent",
  "cruxCovered",
  "namesUnmet",
  "figuresUnmet",
  "listAsked",
  "defAsked",
  "defFound",
  "exampleAnswerable",
  "exampleNearest",
] as const;
export type GateRow = Record<(typeof GATE_FEATURES)[number], number>;

export interface Scored {
  unit: Unit;
  features: FeatureRow;
  p: number;
}

/** What the question pins down that no unit states: names, years or figures, and the kind of fact asked for. */
export interface Unmet {
  names: string[];
  figures: string[];
  /** The kind of fact asked for ("a year", "a name") when the best units do not state one. */
  type?: string;
}

const TYPE_WORDS: Record<string, string> = {
  person: "a name",
  date: "a date or time",
  amount: "an amount",
  number: "a figure",
  place: "a place",
  duration: "a duration",
};

/** A fact of the asked kind within three words of a word of the question. */
const TYPE_NEAR = 1 / 3; // nearness of a fact three words away (see typeNearness)

export function unmetConstraints(knowledge: Knowledge, q: QuestionView, ranked: Scored[]): Unmet {
  const texts = ranked.map((s) => s.unit.text.toLowerCase());
  // A name the corpus never uses (by any spelling close enough to be a typo) is something it cannot speak about.
  const names = q.analyzed.names.filter((n) => !texts.some((t) => t.includes(n.toLowerCase())) && knowledge.resolve(n.toLowerCase()) === undefined && knowledge.sourcesNamedIn(n).size === 0);
  // With no glossary subject, a noun of the focus the corpus never uses (by any spelling close enough to be a
  // typo) is what is asked about, and nothing can speak about it: "recommend a good pizza place".
  // Only when such nouns are at least half of what the focus asks about: one unknown word among known ones ("a
  // bench of on-call outside experts", "products out the door faster") is a figure of speech or a detail.
  if (q.subjects.length === 0) {
    const generic = new Set(q.analyzed.generic);
    const words = topicWords(q.analyzed.focus).filter((w) => !generic.has(w));
    const unknown = words.filter((w) => knowledge.resolve(w) === undefined && !names.some((n) => n.toLowerCase().includes(w)));
    if (unknown.length > 0 && 2 * unknown.length >= words.length) names.push(...unknown);
  }
  const figures = q.analyzed.figures.filter((f) => !texts.some((t) => t.includes(f)));
  const type = q.asks.answerType;
  const best = ranked.slice(0, 3).filter((s) => s.p >= ranked[0]!.p * 0.5);
  // The kind of fact must be stated close to what is asked about: a sentence naming someone far from the role asked for does not say who holds it.
  const typeUnmet = type !== undefined && ranked.length > 0 && !best.some((s) => s.features.typeNear >= TYPE_NEAR);
  const what = type === "date" && /\byear\b/i.test(q.analyzed.focus) ? "a year" : type ? TYPE_WORDS[type] : undefined;
  return { names, figures, ...(typeUnmet && what ? { type: what } : {}) };
}

/**
 * Whether one unit states everything the question pins down: its years and figures, the names it
 * asks about, and the kind of fact it asks for next to what it asks about. "What's the budget for
 * FY2026?" is not answered by a sentence with the FY2025 budget and another that mentions FY2026.
 */
function statesAll(s: Scored, q: QuestionView): boolean {
  const text = s.unit.text.toLowerCase();
  if (!q.analyzed.figures.every((f) => text.includes(f.toLowerCase()))) return false;
  if (!q.analyzed.names.every((n) => text.includes(n.toLowerCase()))) return false;
  return q.asks.answerType === undefined || s.features.typeNear >= TYPE_NEAR;
}

export function gateFeatures(knowledge: Knowledge, q: QuestionView, ranked: Scored[], unmet: Unmet, neighbours: Neighbour[] = []): GateRow {
  // The labelled example questions were asked of the curated corpus: when the best evidence is the user's own
  // documents, whether their nearest examples were answerable says nothing about this question.
  const examples = ranked[0] && !ranked[0].unit.curated ? { answerable: 0.5, nearest: 0 } : answerability(neighbours);
  const focusWords = topicWords(`${q.analyzed.referent} ${q.analyzed.focus}`);
  let total = 0;
  let unknown = 0;
  for (const w of focusWords) {
    const weight = knowledge.idfOf(knowledge.resolve(w) ?? w);
    total += weight;
    if (knowledge.resolve(w) === undefined) unknown += weight;
  }
  const top = ranked[0];
  return {
    bias: 1,
    top: top?.p ?? 0,
    second: ranked[1]?.p ?? 0,
    topLexical: top?.features.lexical ?? 0,
    maxLexical: Math.max(0, ...ranked.map((s) => s.features.lexical)),
    maxDense: Math.max(0, ...ranked.map((s) => s.features.dense)),
    unknown: total ? unknown / total : 0,
    focusSize: Math.min(1, focusWords.length / 6),
    typeAsked: q.asks.answerType ? 1 : 0,
    typeUnmet: unmet.type ? 1 : 0,
    typeNear: Math.max(0, ...ranked.slice(0, 3).map((s) => s.features.typeNear)),
    coherent: ranked.slice(0, 5).some((s) => statesAll(s, q)) ? 1 : 0,
    cruxCovered: Math.max(0, ...ranked.slice(0, 3).map((s) => s.features.crux)),
    namesUnmet: unmet.names.length ? 1 : 0,
    figuresUnmet: unmet.figures.length ? 1 : 0,
    listAsked: q.asks.listType ? 1 : 0,
    defAsked: q.asks.defines !== undefined ? 1 : 0,
    defFound: Math.max(0, ...ranked.slice(0, 5).map((s) => s.features.defines)),
    exampleAnswerable: examples.answerable,
    exampleNearest: examples.nearest,
  };
}
