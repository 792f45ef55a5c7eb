import { createHash } from "node:crypto";
import { screenQuestion } from "../answer/deterministic/guard.ts";
import type { GapGroup, GapReport, GapResolution, ResolvedGap } from "../schema/feedback.ts";
import type { AnsweredQuestion, GapCandidate } from "../store/types.ts";

export interface GapReportOptions {
  /** Cosine similarity from which two questions join the same group (GAP_SIMILARITY). */
  similarity: number;
  /** Embeds texts (the assistant's embedder). */
  embed: (texts: string[]) => Promise<number[][]>;
  maxExamples?: number;
}

export interface GapReportInput {
  /** Questions answered not_found or rated 👎 (refused ones are never gaps). */
  candidates: GapCandidate[];
  /** Curators' "resolved" marks. */
  resolutions?: GapResolution[];
  /** Questions answered (and not rated down) after `since`, newest first. */
  answeredSince?: (since: string) => Promise<AnsweredQuestion[]>;
}

interface Group {
  centroid: number[];
  members: GapCandidate[];
}

/** A group of the report with every normalised wording in it (what a curator's mark records). */
export interface OpenGap {
  group: GapGroup;
  questions: string[];
}

const RESOLVED_LISTED = 20;

/**
 * The coverage-gap report: questions answered not_found or rated 👎, grouped by meaning.
 * Each question joins the group whose centroid is most similar (at least `similarity`), or
 * starts a new one; groups are listed largest first. Curators read it to decide which topic
 * note or glossary term to write next.
 *
 * What no longer counts: a question the screen refuses (abuse, attempts to extract the prompt
 * or configuration, instructions to the assistant; also when it was logged before the screen
 * learned the wording), a question a curator marked resolved (until it is asked again and
 * still not answered), and a group one of whose questions was answered after the corpus
 * changed (the question log records which corpus answered).
 */
export async function buildGapReport(input: GapReportInput, options: GapReportOptions): Promise<{ report: GapReport; open: OpenGap[] }> {
  const resolutions = input.resolutions ?? [];
  const candidates = input.candidates.filter((c) => screenQuestion(c.question).verdict !== "refused" && !resolvedByCurator(c, resolutions));
  const oldestFirst = [...candidates].sort((a, b) => a.at.localeCompare(b.at));
  const distinct = [...new Set(oldestFirst.map((c) => normalizeQuestion(c.question)))];
  const vectors = new Map<string, number[]>();
  const embedded = distinct.length ? await options.embed(distinct) : [];
  distinct.forEach((text, i) => vectors.set(text, unit(embedded[i]!)));

  const groups: Group[] = [];
  for (const candidate of oldestFirst) {
    const v = vectors.get(normalizeQuestion(candidate.question))!;
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

  const answered = await answeredAfterCorpusChange(groups, input.answeredSince, options);
  const open: OpenGap[] = [];
  const resolved: ResolvedGap[] = [];
  for (const g of groups) {
    const group = summarize(g, options.maxExamples ?? 5);
    const closing = answered.get(g);
    if (closing) resolved.push({ count: group.count, examples: group.examples, resolvedAt: closing.at, resolvedBy: "answered", answered: closing.question });
    else open.push({ group, questions: [...new Set(g.members.map((m) => normalizeQuestion(m.question)))] });
  }
  for (const r of resolutions) resolved.push({ count: r.count, examples: r.examples, resolvedAt: r.at, resolvedBy: "curator" });
  open.sort((a, b) => b.group.count - a.group.count || b.group.lastSeen.localeCompare(a.group.lastSeen));

  const report: GapReport = {
    generatedAt: new Date().toISOString(),
    similarity: options.similarity,
    questions: open.reduce((n, o) => n + o.group.count, 0),
    groups: open.map((o) => o.group),
    resolved: resolved.sort((a, b) => b.resolvedAt.localeCompare(a.resolvedAt)).slice(0, RESOLVED_LISTED),
  };
  return { report, open };
}

/** A curator resolved this wording after it was asked. */
function resolvedByCurator(candidate: GapCandidate, resolutions: GapResolution[]): boolean {
  const key = normalizeQuestion(candidate.question);
  return resolutions.some((r) => candidate.at <= r.at && r.questions.includes(key));
}

/**
 * For each group closed by an answer: the latest question of the same meaning answered after
 * the group's last unanswered one, by a different corpus than the one that could not answer
 * (when both are known). Without a corpus change a differently worded question being answered
 * says nothing about the gap.
 */
async function answeredAfterCorpusChange(
  groups: Group[],
  answeredSince: GapReportInput["answeredSince"],
  options: GapReportOptions,
): Promise<Map<Group, AnsweredQuestion>> {
  const closed = new Map<Group, AnsweredQuestion>();
  if (!answeredSince || groups.length === 0) return closed;
  const last = (g: Group) => g.members[g.members.length - 1]!;
  const since = groups.map((g) => last(g).at).sort()[0]!;
  const later = (g: Group, a: AnsweredQuestion) => a.at > last(g).at && (a.corpus === undefined || last(g).corpus === undefined || a.corpus !== last(g).corpus);
  const answered = (await answeredSince(since)).filter((a) => screenQuestion(a.question).verdict !== "refused" && groups.some((g) => later(g, a)));
  if (answered.length === 0) return closed;
  const texts = [...new Set(answered.map((a) => normalizeQuestion(a.question)))];
  const vectors = new Map<string, number[]>();
  (await options.embed(texts)).forEach((v, i) => vectors.set(texts[i]!, unit(v)));
  for (const g of groups) {
    const centroid = unit(g.centroid);
    const wordings = new Set(g.members.map((m) => normalizeQuestion(m.question)));
    const match = answered.find((a) => later(g, a) && (wordings.has(normalizeQuestion(a.question)) || dot(centroid, vectors.get(normalizeQuestion(a.question))!) >= options.similarity));
    if (match) closed.set(g, match);
  }
  return closed;
}

function summarize(group: Group, maxExamples: number): GapGroup {
  const newestFirst = [...group.members].reverse();
  const examples: string[] = [];
  const seen = new Set<string>();
  for (const m of newestFirst) {
    const key = normalizeQuestion(m.question);
    if (seen.has(key)) continue;
    seen.add(key);
    if (examples.length < maxExamples) examples.push(m.question);
  }
  const termCounts = new Map<string, number>();
  for (const m of group.members) for (const t of m.related) termCounts.set(t, (termCounts.get(t) ?? 0) + 1);
  const first = group.members[0]!;
  return {
    // The oldest question seeds the group, so the id holds while newer questions join it.
    id: createHash("sha256").update(normalizeQuestion(first.question)).digest("hex").slice(0, 16),
    count: group.members.length,
    notFound: group.members.filter((m) => m.notFound).length,
    ratedDown: group.members.filter((m) => m.ratedDown).length,
    examples,
    firstSeen: first.at,
    lastSeen: group.members[group.members.length - 1]!.at,
    relatedTerms: [...termCounts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5).map(([t]) => t),
  };
}

/** How wordings are compared: case and runs of white space do not make a question different. */
export const normalizeQuestion = (text: string) => text.trim().replace(/\s+/g, " ").toLowerCase();
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
function unit(v: number[]): number[] {
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}
