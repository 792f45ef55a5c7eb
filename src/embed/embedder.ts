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

/**
 * Embeds any number of texts in maxBatch-sized calls, reporting progress after each call. Texts
 * are batched in order of length (results come back in the caller's order): a batch costs as
 * much as its longest text (padding), so mixing 5-word sentences with 80-word chunks wastes most
 * of the call.
 */
export async function embedAll(embedder: Embedder, texts: string[], onBatch?: (done: number) => void): Promise<number[][]> {
  const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length);
  const out: number[][] = new Array<number[]>(texts.length);
  let done = 0;
  for (let i = 0; i < order.length; i += embedder.maxBatch) {
    const batch = order.slice(i, i + embedder.maxBatch);
    const vectors = await embedder.embed(batch.map((j) => texts[j]!));
    batch.forEach((j, n) => (out[j] = vectors[n]!));
    done += batch.length;
    onBatch?.(done);
  }
  return out;
}
