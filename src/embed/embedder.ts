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
  close?(): Promise<void>;
}

/** Embeds any number of texts in maxBatch-sized calls, reporting progress after each call. */
export async function embedAll(embedder: Embedder, texts: string[], onBatch?: (done: number) => void): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += embedder.maxBatch) {
    out.push(...(await embedder.embed(texts.slice(i, i + embedder.maxBatch))));
    onBatch?.(out.length);
  }
  return out;
}
