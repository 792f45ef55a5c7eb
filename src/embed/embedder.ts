/**
 * The embedding port. Callers batch (up to `maxBatch` texts a call); `id` names model and
 * version so cached vectors are never reused across embedders.
 */
export interface Embedder {
  readonly id: string;
  /** Known after the first call for remote models. */
  dimensions: number;
  readonly maxBatch: number;
  embed(texts: string[]): Promise<number[][]>;
  /**
   * Loads and warms a local model now instead of on the first call: an embedding worker started
   * ahead of its texts (src/ingest/ingest-embedding.ts) has it ready when they arrive.
   */
  load?(): Promise<void>;
  close?(): Promise<void>;
  /**
   * How to build this same embedder inside a worker thread, for a model that computes on the
   * CPU (ingest then embeds on every core, src/embed/worker-pool.ts). Absent for remote models.
   */
  readonly inWorker?: WorkerRecipe;
}

/** A module (file URL) and the name of its factory export, called with `args` in the worker. */
export interface WorkerRecipe {
  module: string;
  factory: string;
  args?: unknown[];
}

/** Vectors as one row-major Float32Array: row i (`dimensions` floats) belongs to text i. */
export interface VectorRows {
  rows: Float32Array;
  dimensions: number;
}

/** Text indices in maxBatch-sized batches, shortest texts first. */
export function lengthSortedBatches(texts: string[], maxBatch: number): number[][] {
  const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += maxBatch) batches.push(order.slice(i, i + maxBatch));
  return batches;
}

/**
 * Embeds any number of texts in maxBatch-sized calls, reporting progress after each call. Texts
 * are batched in order of length (results come back in the caller's order): a batch costs as
 * much as its longest text (padding), so mixing 5-word sentences with 80-word chunks wastes most
 * of the call.
 */
export async function embedAll(embedder: Embedder, texts: string[], onBatch?: (done: number) => void): Promise<number[][]> {
  const out: number[][] = new Array<number[]>(texts.length);
  let done = 0;
  for (const batch of lengthSortedBatches(texts, embedder.maxBatch)) {
    const vectors = await embedder.embed(batch.map((j) => texts[j]!));
    batch.forEach((j, n) => (out[j] = vectors[n]!));
    done += batch.length;
    onBatch?.(done);
  }
  return out;
}

/** embedAll in this thread, with the vectors as float32 rows (what the index stores). */
export async function embedRows(embedder: Embedder, texts: string[], onBatch?: (done: number) => void): Promise<VectorRows> {
  let rows = new Float32Array(0);
  let dimensions = 0;
  let done = 0;
  for (const batch of lengthSortedBatches(texts, embedder.maxBatch)) {
    const vectors = await embedder.embed(batch.map((j) => texts[j]!));
    if (dimensions === 0) {
      dimensions = vectors[0]?.length ?? 0;
      rows = new Float32Array(texts.length * dimensions);
    }
    batch.forEach((j, n) => {
      const v = vectors[n]!;
      if (v.length !== dimensions) throw new Error(`embedder ${embedder.id} returned vectors of ${v.length} and ${dimensions} dimensions`);
      rows.set(v, j * dimensions);
    });
    done += batch.length;
    onBatch?.(done);
  }
  return { rows, dimensions };
}
