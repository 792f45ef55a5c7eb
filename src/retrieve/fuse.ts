import type { RetrieverName } from "../schema/passage.ts";

export interface RankedList {
  name: RetrieverName;
  weight: number;
  /** Best first. */
  items: { id: string; score: number }[];
  /**
   * For score fusion: the list's score of a candidate it did not rank (the dense retriever's cosine
   * of a chunk BM25 found), so that every candidate is judged on every retriever's evidence.
   */
  scoreOf?: (id: string) => number | undefined;
  /** For score fusion: scores already comparable across queries (cosines), used as they are instead of scaled by the list's best. */
  absolute?: boolean;
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

/**
 * Weighted score fusion (CombSUM): score(d) = sum over retrievers of weight * score, where a
 * retriever whose scores only rank within one query (BM25, alias matches) is scaled so that its
 * best hit scores 1, and cosines are taken as they are. A weak retriever then moves a candidate
 * as much as its similarity says: a passage the dense side finds very close gains much, one it
 * finds barely related gains little, which rank fusion cannot express (on SciFact's training
 * queries RRF with the dense side lost to BM25 alone; this gains on it, docs/retrieval.md).
 */
export function scoreFusion(lists: RankedList[]): Fused[] {
  const fused = new Map<string, Fused>();
  const entry = (id: string) => {
    let e = fused.get(id);
    if (!e) fused.set(id, (e = { id, score: 0, ranks: {}, scores: {} }));
    return e;
  };
  for (const list of lists) {
    list.items.forEach((item, i) => {
      const e = entry(item.id);
      e.ranks[list.name] = i + 1;
      e.scores[list.name] = item.score;
    });
  }
  for (const list of lists) {
    const best = list.items[0]?.score ?? 0;
    const scale = list.absolute ? 1 : best > 0 ? 1 / best : 0;
    for (const e of fused.values()) {
      const score = e.scores[list.name] ?? list.scoreOf?.(e.id);
      if (score === undefined) continue;
      e.scores[list.name] = score;
      e.score += list.weight * scale * Math.max(0, score);
    }
  }
  return [...fused.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}
