import type { Embedder } from "./embedder.ts";

/**
 * Coalesces concurrent single-query embeddings into one model call. One short query costs
 * the offline model ~20 ms alone but ~7.5 ms inside a batch of 24, so under concurrent load
 * (HTTP API, Discord) batching is the main throughput lever. Queries arriving while a batch
 * runs wait for the next one; nothing waits on a timer when the model is idle.
 */
export function withQueryBatching(inner: Embedder): Embedder & { embedQuery(text: string): Promise<number[]> } {
  let pending: { text: string; resolve: (v: number[]) => void; reject: (e: unknown) => void }[] = [];
  let running = false;

  const drain = async () => {
    if (running || pending.length === 0) return;
    running = true;
    const batch = pending.slice(0, inner.maxBatch);
    pending = pending.slice(batch.length);
    try {
      const vectors = await inner.embed(batch.map((p) => p.text));
      batch.forEach((p, i) => p.resolve(vectors[i]!));
    } catch (error) {
      batch.forEach((p) => p.reject(error));
    } finally {
      running = false;
      void drain();
    }
  };

  return {
    get id() {
      return inner.id;
    },
    get dimensions() {
      return inner.dimensions;
    },
    set dimensions(value: number) {
      inner.dimensions = value;
    },
    maxBatch: inner.maxBatch,
    embed: (texts) => inner.embed(texts),
    embedQuery(text) {
      return new Promise<number[]>((resolve, reject) => {
        pending.push({ text, resolve, reject });
        // Let the current tick's other requests join before the model starts.
        setImmediate(() => void drain());
      });
    },
    close: inner.close?.bind(inner),
  };
}
