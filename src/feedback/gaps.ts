import type { GapGroup, GapReport } from "../schema/feedback.ts";
import type { GapCandidate } from "../store/types.ts";

export interface GapReportOptions {
  /** Cosine similarity from which two questions join the same group (GAP_SIMILARITY). */
  similarity: number;
  /** Embeds texts (the assistant's embedder). */
  embed: (texts: string[]) => Promise<number[][]>;
  maxExamples?: number;
}

interface Group {
  centroid: number[];
  members: GapCandidate[];
}

/**
 * The coverage-gap report: questions answered not_found or rated 👎, grouped by meaning.
 * Each question joins the group whose centroid is most similar (at least `similarity`), or
 * starts a new one; groups are listed largest first. Curators read it to decide which topic
 * note or glossary term to write next.
 */
export async function buildGapReport(candidates: GapCandidate[], options: GapReportOptions): Promise<GapReport> {
  const oldestFirst = [...candidates].sort((a, b) => a.at.localeCompare(b.at));
  const distinct = [...new Set(oldestFirst.map((c) => normalize(c.question)))];
  const vectors = new Map<string, number[]>();
  const embedded = distinct.length ? await options.embed(distinct) : [];
  distinct.forEach((text, i) => vectors.set(text, unit(embedded[i]!)));

  const groups: Group[] = [];
  for (const candidate of oldestFirst) {
    const v = vectors.get(normalize(candidate.question))!;
    let best: Group | undefined;
    let bestScore = options.similarity;
    for (const g of groups) {
      const score = dot(unit(g.centroid), v);
      if (score >= bestScore) {
        best = g;
        bestScore = score;
      }
    }
    if (best) {
      best.members.push(candidate);
      best.centroid = best.centroid.map((x, i) => x + v[i]!);
    } else {
      groups.push({ centroid: [...v], members: [candidate] });
    }
  }

  return {
    generatedAt: new Date().toISOString(),
    similarity: options.similarity,
    questions: candidates.length,
    groups: groups.map((g) => summarize(g, options.maxExamples ?? 5)).sort((a, b) => b.count - a.count || b.lastSeen.localeCompare(a.lastSeen)),
  };
}

function summarize(group: Group, maxExamples: number): GapGroup {
  const newestFirst = [...group.members].reverse();
  const examples: string[] = [];
  const seen = new Set<string>();
  for (const m of newestFirst) {
    const key = normalize(m.question);
    if (seen.has(key)) continue;
    seen.add(key);
    if (examples.length < maxExamples) examples.push(m.question);
  }
  const termCounts = new Map<string, number>();
  for (const m of group.members) for (const t of m.related) termCounts.set(t, (termCounts.get(t) ?? 0) + 1);
  return {
    count: group.members.length,
    notFound: group.members.filter((m) => m.notFound).length,
    ratedDown: group.members.filter((m) => m.ratedDown).length,
    examples,
    firstSeen: group.members[0]!.at,
    lastSeen: group.members[group.members.length - 1]!.at,
    relatedTerms: [...termCounts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5).map(([t]) => t),
  };
}

const normalize = (text: string) => text.trim().replace(/\s+/g, " ").toLowerCase();
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
function unit(v: number[]): number[] {
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}
