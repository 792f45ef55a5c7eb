import type { RetrieverName } from "../schema/passage.ts";

export interface RankedList {
  name: RetrieverName;
  weight: number;
  /** Best first. */
  items: { id: string; score: number }[];
}

export interface Fused {
  id: string;
  score: number;
  ranks: Partial<Record<RetrieverName, number>>;
  scores: Partial<Record<RetrieverName, number>>;
}

/**
 * Weighted reciprocal rank fusion: score(d) = sum over retrievers of weight / (k + rank).
 * Ranks, not raw scores, are combined because BM25, cosine and alias scores live on
 * unrelated scales. Ties break on id so results are deterministic.
 */
export function reciprocalRankFusion(lists: RankedList[], k: number): Fused[] {
  const fused = new Map<string, Fused>();
  for (const list of lists) {
    list.items.forEach((item, i) => {
      const entry = fused.get(item.id) ?? { id: item.id, score: 0, ranks: {}, scores: {} };
      entry.score += list.weight / (k + i + 1);
      entry.ranks[list.name] = i + 1;
      entry.scores[list.name] = item.score;
      fused.set(item.id, entry);
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}
