import { z } from "zod";

/**
 * Labelled example questions, kept with the model: each one's embedding and the units that
 * answered it (by unit id, with the label's strength), and whether it was answerable. A new
 * question close in meaning to examples is answered by what answered them: the selector and the
 * gate learn how much such votes are worth, next to the other features. Only valid for the
 * embedder that made the vectors; with another embedder the votes are empty.
 */
export const exampleSetSchema = z.object({
  embedder: z.string(),
  dimensions: z.number().int().positive(),
  questions: z.array(
    z.object({
      /** The question's embedding, int8 (scaled by its largest component), base64. */
      v: z.string(),
      /** Units that carried its key facts: unit id -> label (0-1]. */
      units: z.record(z.string(), z.number()),
      answerable: z.boolean(),
    }),
  ),
});
export type ExampleSetData = z.infer<typeof exampleSetSchema>;

export interface Example {
  vector: Float32Array;
  units: Map<string, number>;
  answerable: boolean;
}

/** How many nearest examples vote, and how close one must be to vote at all (USE-lite cosine). */
export const NEIGHBOURS = 5;
export const MIN_SIMILARITY = 0.5;

export interface Neighbour {
  similarity: number;
  example: Example;
}

export class ExampleSet {
  readonly embedder: string;
  readonly examples: Example[];

  private constructor(embedder: string, examples: Example[]) {
    this.embedder = embedder;
    this.examples = examples;
  }

  static empty(): ExampleSet {
    return new ExampleSet("", []);
  }

  static fromData(data: ExampleSetData): ExampleSet {
    return new ExampleSet(
      data.embedder,
      data.questions.map((q) => ({ vector: decode(q.v, data.dimensions), units: new Map(Object.entries(q.units)), answerable: q.answerable })),
    );
  }

  static fromExamples(embedder: string, examples: Example[]): ExampleSet {
    return new ExampleSet(embedder, examples);
  }

  toData(): ExampleSetData {
    const dimensions = this.examples[0]?.vector.length ?? 1;
    return {
      embedder: this.embedder,
      dimensions,
      questions: this.examples.map((e) => ({ v: encode(e.vector), units: Object.fromEntries(e.units), answerable: e.answerable })),
    };
  }

  /** The nearest examples to a question's embedding (made by `embedder`), most similar first. */
  neighbours(vector: readonly number[], embedder: string, exclude?: (example: Example) => boolean): Neighbour[] {
    if (embedder !== this.embedder || this.examples.length === 0) return [];
    const q = normalised(vector);
    const scored: Neighbour[] = [];
    for (const example of this.examples) {
      if (exclude?.(example)) continue;
      const similarity = dot(q, example.vector);
      if (similarity >= MIN_SIMILARITY) scored.push({ similarity, example });
    }
    return scored.sort((a, b) => b.similarity - a.similarity).slice(0, NEIGHBOURS);
  }
}

/** For each unit id: the neighbours' labels for it, weighted by how close each neighbour is; and the strongest single vote. */
export function votes(neighbours: Neighbour[], unitId: string): { vote: number; best: number } {
  let total = 0;
  let vote = 0;
  let best = 0;
  for (const n of neighbours) {
    const label = n.example.units.get(unitId) ?? 0;
    total += n.similarity;
    vote += n.similarity * label;
    best = Math.max(best, n.similarity * label);
  }
  return { vote: total ? vote / total : 0, best };
}

/** Similarity-weighted share of the neighbours that were answerable, and the nearest one's similarity. */
export function answerability(neighbours: Neighbour[]): { answerable: number; nearest: number } {
  let total = 0;
  let yes = 0;
  for (const n of neighbours) {
    total += n.similarity;
    if (n.example.answerable) yes += n.similarity;
  }
  return { answerable: total ? yes / total : 0.5, nearest: neighbours[0]?.similarity ?? 0 };
}

function normalised(vector: ArrayLike<number>): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  norm = Math.sqrt(norm) || 1;
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! / norm;
  return out;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** A normalised vector as int8 values scaled by its largest component, base64: a quarter of the JSON of floats, cosine within 0.001. */
function encode(vector: Float32Array): string {
  let max = 0;
  for (const v of vector) max = Math.max(max, Math.abs(v));
  const bytes = new Int8Array(vector.length);
  for (let i = 0; i < vector.length; i++) bytes[i] = Math.round((vector[i]! / (max || 1)) * 127);
  return Buffer.from(bytes.buffer).toString("base64");
}

function decode(text: string, dimensions: number): Float32Array {
  const buffer = Buffer.from(text, "base64");
  const bytes = new Int8Array(buffer.buffer, buffer.byteOffset, buffer.length);
  if (bytes.length !== dimensions) throw new Error(`answer-model.json: an example vector has ${bytes.length} dimensions, not ${dimensions}`);
  return normalised(bytes);
}

export { normalised as normalisedVector };
