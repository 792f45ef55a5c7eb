import { readFileSync } from "node:fs";
import { z } from "zod";
import { FEATURES, type FeatureRow } from "./features.ts";
import { GATE_FEATURES, type GateRow } from "./gate.ts";
import { exampleSetSchema } from "./examples.ts";

/**
 * The learned parts of the deterministic answerer, shipped as data (`answer-model.json`, written by
 * `npm run train`): a logistic model that scores how well a unit answers a question, a logistic
 * gate that decides whether the best units answer it at all, and the selection thresholds chosen
 * by cross-validation. The file records what it was trained on and the figures it reached.
 */
const logisticSchema = z.object({ features: z.array(z.string()), weights: z.array(z.number()), threshold: z.number() });

export const answerModelSchema = z.object({
  version: z.literal(1),
  selector: logisticSchema,
  gate: logisticSchema,
  policy: z.object({
    /** A unit beyond the opening one must score at least this share of the best unit's probability ... */
    relative: z.number(),
    /** The same share for a list or a comparison, whose further items are expected to score lower than its first. */
    relativeWide: z.number(),
    /** ... and at least this probability (the same bar for every answer). */
    absolute: z.number(),
    /** Units shown at most: plain questions, lists and comparisons. */
    maxUnits: z.number().int(),
    maxListUnits: z.number().int(),
    /** A definition: the definition and at most this many units in all. */
    maxDefinitionUnits: z.number().int(),
  }),
  /** Labelled example questions the selector and the gate compare a question with (examples.ts). */
  examples: exampleSetSchema.optional(),
  provenance: z.record(z.string(), z.unknown()),
});
export type AnswerModel = z.infer<typeof answerModelSchema>;

/** The model committed with the code (retrain with `npm run train`). */
export const MODEL_PATH = new URL("./answer-model.json", import.meta.url);

export function loadAnswerModel(file: URL | string = MODEL_PATH): AnswerModel {
  const model = answerModelSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  // Weights are by feature name: a feature added or renamed since training means the model is stale.
  assertFeatures("selector", model.selector.features, FEATURES);
  assertFeatures("gate", model.gate.features, GATE_FEATURES);
  return model;
}

function assertFeatures(part: string, trained: string[], current: readonly string[]): void {
  if (trained.length !== current.length || trained.some((f, i) => f !== current[i])) {
    throw new Error(`answer-model.json: the ${part} was trained on features [${trained.join(", ")}] but the code computes [${current.join(", ")}]; run npm run train`);
  }
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Probability from a logistic model over a named feature row. */
export function logistic(model: { features: string[]; weights: number[] }, row: FeatureRow | GateRow): number {
  let z = 0;
  const values = row as Record<string, number>;
  model.features.forEach((f, i) => {
    z += model.weights[i]! * values[f]!;
  });
  return sigmoid(z);
}
