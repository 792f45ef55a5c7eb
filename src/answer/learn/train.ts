import { createHash } from "node:crypto";
import type { EvalQuestion } from "../../eval/questions.ts";
import { scoreAnswer } from "../../eval/score.ts";
import type { ComposeInput, DeterministicComposer } from "../deterministic/compose.ts";
import { FEATURES, type FeatureRow, type QuestionView } from "../deterministic/features.ts";
import { GATE_FEATURES, gateFeatures, unmetConstraints, type GateRow, type Scored } from "../deterministic/gate.ts";
import { logistic, type AnswerModel } from "../deterministic/model.ts";
import type { AnswerService } from "../service.ts";
import type { Unit } from "../deterministic/units.ts";
import { shapeOf } from "../deterministic/select.ts";
import { labelUnits } from "./labels.ts";
import { applyAudit, type AuditedAnswer } from "./audit-labels.ts";
import { fitLogistic, type Example as TrainingRow } from "./logistic.ts";
import { ExampleSet, normalisedVector, votes, type Example, type ExampleSetData } from "../deterministic/examples.ts";

/** One corpus the answerer is trained on: the composer over its index, and the questions asked of it. */
export interface TrainingCorpus {
  name: string;
  /** The id of the embedder that made its query vectors (example questions are matched by it). */
  embedder: string;
  service: AnswerService;
  composer: DeterministicComposer;
  questions: EvalQuestion[];
  /** Strict readings of earlier answers to some of these questions, by question id: they correct the keyword labels. */
  audits?: Map<string, AuditedAnswer>;
}

/** A question prepared once: retrieved, analysed, its candidate units with their features and labels. */
export interface PreparedQuestion {
  corpus: TrainingCorpus;
  question: EvalQuestion;
  fold: number;
  refused?: string;
  input?: ComposeInput;
  view?: QuestionView;
  units?: Unit[];
  rows?: FeatureRow[];
  labels?: number[];
}

export const FOLDS = 5;

/** A question's fold: from a hash of its id, so folds do not depend on file order and never change. */
export function foldOf(id: string): number {
  return createHash("sha256").update(id).digest()[0]! % FOLDS;
}

export async function prepareQuestions(corpora: TrainingCorpus[], onProgress?: (done: number, total: number) => void): Promise<PreparedQuestion[]> {
  const total = corpora.reduce((n, c) => n + c.questions.length, 0);
  const out: PreparedQuestion[] = [];
  for (const corpus of corpora) {
    for (const question of corpus.questions) {
      const base = { corpus, question, fold: foldOf(question.id) };
      const prepared = await corpus.service.prepareCompose(question.question);
      if ("refused" in prepared) out.push({ ...base, refused: prepared.refused });
      else {
        const input = { id: question.id, ...prepared.input };
        const view = corpus.composer.view(input);
        const units = corpus.composer.candidates(view, input);
        const rows = corpus.composer.features(view, units);
        out.push({ ...base, input, view, units, rows, labels: applyAudit(labelUnits(question, units), units, corpus.audits?.get(question.id)) });
      }
      onProgress?.(out.length, total);
    }
  }
  return out;
}

const vector = (row: Record<string, number>, names: readonly string[]) => names.map((n) => row[n]!);

/** A unit counts as answering an example question from this label up. */
const EXAMPLE_LABEL = 0.5;

/** Labelled example questions from prepared ones: each one's query vector and the units that carried its key facts. */
export function exampleData(questions: PreparedQuestion[]): ExampleSetData | undefined {
  const usable = questions.filter((q) => q.view && q.question.expected_behavior !== "safe_refusal");
  if (usable.length === 0) return undefined;
  const examples: Example[] = usable.map((q) => ({
    vector: normalisedVector(q.view!.vector),
    units: new Map(q.units!.flatMap((u, i) => (q.labels![i]! >= EXAMPLE_LABEL ? [[u.id, Number(q.labels![i]!.toFixed(2))] as const] : []))),
    answerable: q.question.expected_behavior === "answer",
  }));
  return ExampleSet.fromExamples(usable[0]!.corpus.embedder, examples).toData();
}

/** Examples of every question outside one fold, per fold, built once. */
function examplesByFold(questions: PreparedQuestion[]): Map<number, ExampleSetData | undefined> {
  const folds = [...new Set(questions.map((q) => q.fold))];
  return new Map(folds.map((f) => [f, exampleData(questions.filter((q) => q.fold !== f))]));
}

/**
 * The selector's examples: every candidate of every answerable question, each question weighing the
 * same in total. Example-question votes come from the questions of other folds only, as they would
 * for a question nobody labelled.
 */
function selectorExamples(questions: PreparedQuestion[]): TrainingRow[] {
  const byFold = examplesByFold(questions);
  const sets = new Map([...byFold].map(([f, data]) => [f, data ? ExampleSet.fromData(data) : ExampleSet.empty()]));
  return questions.flatMap((q) => {
    if (!q.rows || q.question.expected_behavior !== "answer") return [];
    const positives = q.labels!.filter((y) => y > 0).length;
    if (positives === 0) return [];
    const neighbours = sets.get(q.fold)!.neighbours(q.view!.vector, q.corpus.embedder);
    // Half of a question's weight on its positive units, half on the rest, so a question with many candidates
    // does not count more than one with few, and the few units that answer are not drowned out.
    return q.rows.map((row, i) => {
      const y = q.labels![i]!;
      const { vote, best } = votes(neighbours, q.units![i]!.id);
      return { x: vector({ ...row, example: vote, exampleBest: best }, FEATURES), y, w: y > 0 ? 0.5 / positives : 0.5 / Math.max(1, q.rows!.length - positives) };
    });
  });
}

export interface TrainedParts {
  selector: number[];
  gate: number[];
  gateThreshold: number;
  /** The example questions of the training questions. */
  examples?: ExampleSetData;
}

export const L2 = { selector: 0.05, gate: 0.5 };

/** The gate's examples: each question's gate features under a selector that did not see it (cross-fitted), labelled answerable or not. */
function gateExamples(questions: PreparedQuestion[], selectorFor: (q: PreparedQuestion) => number[]): { q: PreparedQuestion; row: GateRow; y: number }[] {
  const byFold = examplesByFold(questions);
  const models = new Map<number, AnswerModel>();
  return questions.flatMap((q) => {
    if (!q.view || q.question.expected_behavior === "safe_refusal") return [];
    let model = models.get(q.fold);
    if (!model) models.set(q.fold, (model = modelWith(selectorFor(q), [], 0.5, DEFAULT_POLICY, byFold.get(q.fold))));
    const ranked = q.corpus.composer.rankUnits(q.view, q.input!, model);
    const unmet = unmetConstraints(q.corpus.composer.knowledge, q.view, ranked);
    const row = gateFeatures(q.corpus.composer.knowledge, q.view, ranked, unmet, q.corpus.composer.neighbours(q.view, model));
    return [{ q, row, y: q.question.expected_behavior === "answer" ? 1 : 0 }];
  });
}

export const DEFAULT_POLICY: AnswerModel["policy"] = { relative: 0.7, relativeWide: 0.7, absolute: 0.4, maxUnits: 3, maxListUnits: 5, maxDefinitionUnits: 2 };

export function modelWith(selector: number[], gate: number[], gateThreshold: number, policy: AnswerModel["policy"], examples?: ExampleSetData): AnswerModel {
  return {
    version: 1,
    selector: { features: [...FEATURES], weights: selector, threshold: 0 },
    gate: { features: [...GATE_FEATURES], weights: gate.length ? gate : GATE_FEATURES.map(() => 0), threshold: gateThreshold },
    policy,
    ...(examples ? { examples } : {}),
    provenance: {},
  };
}

/** The threshold that gets most questions' answerability right (ties: the middle of the best range). */
function bestThreshold(scored: { p: number; y: number }[]): number {
  const candidates = [...new Set(scored.map((s) => s.p))].sort((a, b) => a - b);
  let best = { correct: -1, from: 0.5, to: 0.5 };
  for (const t of candidates) {
    const correct = scored.filter((s) => (s.p >= t ? 1 : 0) === s.y).length;
    if (correct > best.correct) best = { correct, from: t, to: t };
    else if (correct === best.correct) best.to = t;
  }
  const below = candidates.filter((c) => c < best.from).at(-1) ?? best.from - 0.01;
  return (below + best.from) / 2;
}

/** Trains selector and gate on `train`; the gate on cross-fitted selector scores within `train`. */
export function trainParts(train: PreparedQuestion[]): TrainedParts {
  const selector = fitLogistic(selectorExamples(train), { l2: L2.selector });
  // Cross-fitting inside the training questions: the gate sees selector scores on questions the selector did not learn from.
  const folds = [...new Set(train.map((q) => q.fold))];
  const inner = new Map(folds.map((f) => [f, fitLogistic(selectorExamples(train.filter((q) => q.fold !== f)), { l2: L2.selector })]));
  const gateRows = gateExamples(train, (q) => inner.get(q.fold)!);
  const gate = fitLogistic(
    gateRows.map((g) => ({ x: vector(g.row, GATE_FEATURES), y: g.y, w: 1 })),
    { l2: L2.gate },
  );
  const gateThreshold = bestThreshold(gateRows.map((g) => ({ p: logistic({ features: [...GATE_FEATURES], weights: gate }, g.row), y: g.y })));
  const examples = exampleData(train);
  return { selector, gate, gateThreshold, ...(examples ? { examples } : {}) };
}

export interface QuestionOutcome {
  id: string;
  corpus: string;
  category: string;
  pass: boolean;
  reason: string;
  /** Units shown that the labels say do not carry the key fact (a proxy for off-topic sentences). */
  offLabel: number;
  shown: number;
  /** A list or a comparison was asked: several units are what answers it. */
  wide: boolean;
}

/** Answers prepared questions with a model and scores them with the eval rules (citations aside: they are checked by the eval). */
export function evaluate(questions: PreparedQuestion[], model: AnswerModel): QuestionOutcome[] {
  return questions.map((q) => {
    const base = { id: q.question.id, corpus: q.corpus.name, category: q.question.category };
    if (q.refused !== undefined) {
      const verdict = scoreAnswer(q.question, { answer: { status: "refused", answer: q.refused, citations: [] } });
      return { ...base, pass: verdict.pass, reason: verdict.reason, offLabel: 0, shown: 0, wide: false };
    }
    const ranked = q.corpus.composer.rankUnits(q.view!, q.input!, model);
    const decision = q.corpus.composer.conclude(q.view!, ranked, q.input!, model);
    const verdict = scoreAnswer(q.question, { answer: decision.composed });
    const labelOf = new Map(q.units!.map((u, i) => [u.id, q.labels![i]!]));
    const offLabel = decision.composed.status === "answered" ? decision.chosen.filter((s: Scored) => (labelOf.get(s.unit.id) ?? 0) === 0).length : 0;
    const wide = shapeOf(decision.view.asks) === "wide";
    return { ...base, pass: verdict.pass, reason: verdict.reason, offLabel, shown: decision.chosen.length, wide };
  });
}

/** The models of k-fold cross-validation: fold f's is trained on the other folds. */
export function foldModels(questions: PreparedQuestion[]): TrainedParts[] {
  return Array.from({ length: FOLDS }, (_, f) => trainParts(questions.filter((q) => q.fold !== f)));
}

/** Cross-validated outcomes: each fold answered by the model trained without it, under one selection policy. */
export function crossValidate(questions: PreparedQuestion[], models: TrainedParts[], policy: AnswerModel["policy"]): QuestionOutcome[] {
  return models.flatMap((parts, f) => evaluate(questions.filter((q) => q.fold === f), modelWith(parts.selector, parts.gate, parts.gateThreshold, policy, parts.examples)));
}

/** A question's ranked units (probability, label, kind, text), gate and answer under a model: for reading what the model does. */
export function explain(q: PreparedQuestion, parts: TrainedParts, policy: AnswerModel["policy"]): string {
  const lines = [`== ${q.question.id} (${q.question.category}, ${q.question.expected_behavior}): ${q.question.question}`];
  if (q.refused !== undefined) return [...lines, `refused: ${q.refused}`].join("\n");
  const model = modelWith(parts.selector, parts.gate, parts.gateThreshold, policy, parts.examples);
  const ranked = q.corpus.composer.rankUnits(q.view!, q.input!, model);
  const decision = q.corpus.composer.conclude(q.view!, ranked, q.input!, model);
  const labelOf = new Map(q.units!.map((u, i) => [u.id, q.labels![i]!]));
  lines.push(`asks ${JSON.stringify({ ...q.view!.asks, pair: q.view!.asks.pair?.map((e) => e.slug), choice: q.view!.asks.choice?.map((e) => e.slug) })} subjects [${q.view!.subjects.map((e) => e.slug).join(", ")}] ownShare ${q.view!.ownShare.toFixed(2)} gate ${decision.gate.toFixed(3)} (threshold ${parts.gateThreshold.toFixed(3)})`);
  lines.push(`focus: ${q.view!.analyzed.focus} | context: ${q.view!.analyzed.context} | terms ${[...q.view!.focusTerms].map(([t, w]) => `${t}:${w.toFixed(1)}`).join(" ")}`);
  for (const s of ranked.slice(0, 12)) {
    lines.push(`  ${s.p.toFixed(3)} L${(labelOf.get(s.unit.id) ?? 0).toFixed(1)} ${s.unit.kind.padEnd(8)} ${s.unit.text.replace(/\s+/g, " ").slice(0, 150)}`);
    lines.push(`      ${Object.entries(s.features).filter(([, v]) => v).map(([k, v]) => `${k}=${v.toFixed(2)}`).join(" ")}`);
  }
  lines.push(`-> ${decision.composed.status}: ${decision.composed.answer.replace(/\n/g, " / ").slice(0, 600)}`);
  return lines.join("\n");
}

/** Per question, under the cross-validated models: gate probability and features, and where the first unit carrying the key facts ranks. */
export function diagnose(questions: PreparedQuestion[], models: TrainedParts[], policy: AnswerModel["policy"]): string[] {
  return questions.flatMap((q) => {
    if (!q.view) return [];
    const parts = models[q.fold]!;
    const model = modelWith(parts.selector, parts.gate, parts.gateThreshold, policy, parts.examples);
    const ranked = q.corpus.composer.rankUnits(q.view, q.input!, model);
    const unmet = unmetConstraints(q.corpus.composer.knowledge, q.view, ranked);
    const row = gateFeatures(q.corpus.composer.knowledge, q.view, ranked, unmet);
    const gate = logistic(model.gate, row);
    const labelOf = new Map(q.units!.map((u, i) => [u.id, q.labels![i]!]));
    const firstFull = ranked.findIndex((s) => (labelOf.get(s.unit.id) ?? 0) >= 1);
    const firstAny = ranked.findIndex((s) => (labelOf.get(s.unit.id) ?? 0) > 0);
    const features = Object.entries(row).filter(([k]) => k !== "bias").map(([k, v]) => `${k}=${v.toFixed(2)}`).join(" ");
    return [`${q.question.id}\t${q.question.expected_behavior}\tgate=${gate.toFixed(2)}/${parts.gateThreshold.toFixed(2)}\tfull@${firstFull + 1}\tany@${firstAny + 1}\t${features}`];
  });
}
