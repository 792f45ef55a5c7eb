import type { Similarity } from "./verify.ts";

export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Passage sentences are cited again and again; their vectors are kept (up to this many). */
const CACHED_SENTENCES = 2000;

/**
 * The semantic half of the support test: cosine similarity of an answer sentence and the passage
 * sentence it is checked against, by the sentence embedder the index uses (`embed` is its
 * batched query embedding).
 */
export function embedderSimilarity(embed: (text: string) => Promise<number[]>): Similarity {
  const cache = new Map<string, Promise<number[]>>();
  const passageVector = (text: string) => {
    let vector = cache.get(text);
    if (!vector) {
      if (cache.size >= CACHED_SENTENCES) cache.delete(cache.keys().next().value!);
      vector = embed(text);
      vector.catch(() => cache.delete(text));
      cache.set(text, vector);
    }
    return vector;
  };
  return async (sentence, passageSentence) => {
    const [a, b] = await Promise.all([embed(sentence), passageVector(passageSentence)]);
    return cosine(a, b);
  };
}
