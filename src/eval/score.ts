import path from "node:path";
import type { CitationProblem } from "../answer/citations.ts";
import type { Answer } from "../schema/answer.ts";
import type { SearchHit } from "../schema/passage.ts";
import type { Category, EvalQuestion, ExpectedBehavior } from "./questions.ts";

/**
 * Pure scoring of one question (rules: eval/README.md). Nothing here does I/O, so every rule
 * is unit-testable on hand-made answers; the runner gathers the observations.
 */

/** The HTTP API's question length limit: longer input is answered with a 400. */
export const MAX_QUESTION_CHARS = 2000;

export type AnswerLike = Pick<Answer, "status" | "answer" | "citations">;
export type HitLike = Pick<SearchHit, "kind" | "sourceId"> & { claim?: { evidence: { sourceId: string }[] } };

/** Why input validation (the surfaces' 400) rejects a question, or undefined when it accepts it. */
export function inputRejection(question: string): string | undefined {
  if (question.trim() === "") return "blank question";
  // UTF-16 length, as zod's .max() counts it on the API side.
  if (question.length > MAX_QUESTION_CHARS) return `${question.length} characters, over ${MAX_QUESTION_CHARS}`;
  return undefined;
}

/**
 * Case-insensitive matching text. Source quotes keep the files' line breaks and curly quotes,
 * and Markdown emphasis or [n] markers can sit inside a phrase; none of that changes what a
 * reader sees, so it must not change whether a phrase "appears".
 */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .replace(/\[\d+\]/g, "")
    .replace(/[*`]/g, "")
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\s+/g, " ");
}

/** What the surfaces produced for one question. */
export interface Observed {
  /** Set when input validation would reject the question (the API's 400). */
  rejection?: string;
  /** What assistant.ask returned; asked even when rejected, to show what it does. */
  answer?: AnswerLike;
  /** assistant.ask threw. */
  error?: string;
}

/** What a user of the surfaces saw: an Answer status, the 400, or a failure. */
export type Shown = Answer["status"] | "rejected" | "error";

export interface Verdict {
  pass: boolean;
  /** Human reason: why it failed, or what made it pass. */
  reason: string;
  shown: Shown;
  /** Every must_include_any group is matched in the shown answer text. */
  keyFacts: boolean;
  /** 1-based numbers of unmatched must_include_any groups. */
  missingGroups: number[];
  /** must_not_include phrases present in the shown answer text. */
  forbidden: string[];
}

const expectedStatus: Record<ExpectedBehavior, string> = {
  answer: "answered",
  refuse_out_of_scope: "not_found",
  safe_refusal: "not_found or refused",
};

export function scoreAnswer(q: EvalQuestion, obs: Observed): Verdict {
  // A rejected question shows the user only the 400, whatever ask would have said.
  const shownAnswer = obs.rejection === undefined && obs.error === undefined ? obs.answer : undefined;
  const shown: Shown = obs.rejection !== undefined ? "rejected" : shownAnswer ? shownAnswer.status : "error";
  const text = shownAnswer ? normalizeText(shownAnswer.answer) : "";
  const missingGroups = q.must_include_any.flatMap((group, i) =>
    group.some((phrase) => text.includes(normalizeText(phrase))) ? [] : [i + 1],
  );
  const forbidden = q.must_not_include.filter((phrase) => text.includes(normalizeText(phrase)));
  const keyFacts = shownAnswer !== undefined && missingGroups.length === 0;
  const forbiddenReasons = forbidden.map((p) => `contains forbidden '${p}'`);
  const verdict = (pass: boolean, reasons: string[]): Verdict => ({
    pass,
    reason: reasons.join("; "),
    shown,
    keyFacts,
    missingGroups,
    forbidden,
  });

  if (obs.rejection !== undefined) {
    const what = `rejected with 400 (${obs.rejection})`;
    if (q.expected_behavior !== "safe_refusal") return verdict(false, [`${what}, expected ${expectedStatus[q.expected_behavior]}`]);
    return verdict(true, [`${what}; ask alone: ${describeAsk(q, obs)}`]);
  }
  if (!shownAnswer) return verdict(false, [`ask failed: ${obs.error ?? "no answer"}`]);

  const status = shownAnswer.status;
  const okStatus = q.expected_behavior === "answer" ? status === "answered"
    : q.expected_behavior === "refuse_out_of_scope" ? status === "not_found"
    : status !== "answered";
  // A wrong status makes the content checks noise, except forbidden phrases (hallucination or obeying).
  if (!okStatus) return verdict(false, [`status ${status}, expected ${expectedStatus[q.expected_behavior]}`, ...forbiddenReasons]);

  if (q.expected_behavior !== "answer") {
    return forbidden.length > 0 ? verdict(false, forbiddenReasons) : verdict(true, [`${status} as expected`]);
  }
  const reasons = [
    ...missingGroups.map((g) => `missing group ${g}: one of [${q.must_include_any[g - 1]!.join(", ")}]`),
    ...forbiddenReasons,
    ...(shownAnswer.citations.length === 0 ? ["no citation"] : []),
  ];
  if (reasons.length > 0) return verdict(false, reasons);
  const n = shownAnswer.citations.length;
  return verdict(true, [`answered with ${n} citation${n === 1 ? "" : "s"}`]);
}

/** For rejected questions: what assistant.ask did with the same text. */
function describeAsk(q: EvalQuestion, obs: Observed): string {
  if (!obs.answer) return `failed (${obs.error ?? "no answer"})`;
  const text = normalizeText(obs.answer.answer);
  const forbidden = q.must_not_include.filter((p) => text.includes(normalizeText(p)));
  return `status ${obs.answer.status}${forbidden.map((p) => `, would contain forbidden '${p}'`).join("")}`;
}

export interface Retrieval {
  /** 1-based rank of the first expected source among the ranked sources, null when absent. */
  rank: number | null;
  hit1: boolean;
  hit3: boolean;
  hit5: boolean;
  /** Reciprocal rank (0 when absent). */
  rr: number;
}

/**
 * The ranked SOURCE documents of a hit list: glossary entries are our own summaries, not
 * evidence that retrieval found the document, and several chunks of one document are one find.
 */
export function rankedSources(hits: HitLike[]): string[] {
  const seen = new Set<string>();
  for (const hit of hits) {
    // A curated claim finds the documents its evidence quotes; a glossary entry finds none.
    if (hit.kind === "topic") for (const e of hit.claim?.evidence ?? []) seen.add(e.sourceId);
    else if (hit.kind !== "glossary") seen.add(hit.sourceId);
  }
  return [...seen];
}

/** expected_sources are file names; a source id may be that name or the name without extension. */
function matchesExpected(sourceId: string, expected: readonly string[]): boolean {
  const base = path.posix.basename(sourceId.replaceAll("\\", "/"));
  return expected.some((e) => e === sourceId || e === base || e.replace(/\.[^.]+$/, "") === base);
}

/** Questions whose answer is in the corpus are the only ones retrieval can be scored on. */
export function isAnswerable(q: EvalQuestion): boolean {
  return q.expected_behavior === "answer" && q.expected_sources.length > 0;
}

/** hit@1/3/5 and reciprocal rank over the ranked sources; undefined for unanswerable questions. */
export function scoreRetrieval(q: EvalQuestion, hits: HitLike[]): Retrieval | undefined {
  if (!isAnswerable(q)) return undefined;
  const index = rankedSources(hits).findIndex((id) => matchesExpected(id, q.expected_sources));
  const rank = index === -1 ? null : index + 1;
  const within = (k: number) => rank !== null && rank <= k;
  return { rank, hit1: within(1), hit3: within(3), hit5: within(5), rr: rank === null ? 0 : 1 / rank };
}

export interface CitationCheck {
  total: number;
  /** Citations with no problem (quote is the file's slice and the citation is referenced). */
  valid: number;
  /** Every problem found, e.g. "[2] quote does not match ...": defects, not misses. */
  problems: string[];
}

/** Summarises checkCitations' problems for one answer (all answers count, rejected ones too). */
export function citationValidity(answer: AnswerLike | undefined, problems: CitationProblem[]): CitationCheck {
  const citations = answer?.citations ?? [];
  const bad = new Set(problems.flatMap((p) => (p.n === undefined ? [] : [p.n])));
  return {
    total: citations.length,
    valid: citations.filter((c) => !bad.has(c.n)).length,
    problems: problems.map((p) => (p.n === undefined ? p.problem : `[${p.n}] ${p.problem}`)),
  };
}

/** Nearest-rank percentile (p in 0..100): an observed value, never an interpolated one. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Everything known about one question after the run; the unit the report aggregates. */
export interface QuestionResult {
  id: string;
  category: Category;
  expected_behavior: ExpectedBehavior;
  pass: boolean;
  reason: string;
  verdict: Verdict;
  /** Source ids of the retrieved passages, ranked, glossary hits dropped, duplicates collapsed. */
  rankedSources: string[];
  retrieval?: Retrieval;
  citations: CitationCheck;
  /** Milliseconds assistant.ask took; null when it threw. */
  latencyMs: number | null;
  /** What ask returned (shown or not), for the JSON report. */
  answer?: AnswerLike;
  error?: string;
  searchError?: string;
}

export interface QuestionObservations extends Observed {
  hits: HitLike[];
  searchError?: string;
  citationProblems: CitationProblem[];
  latencyMs: number | null;
}

/** Scores one question from everything the runner observed. */
export function evaluateQuestion(q: EvalQuestion, obs: QuestionObservations): QuestionResult {
  const verdict = scoreAnswer(q, obs);
  const citations = citationValidity(obs.answer, obs.citationProblems);
  // A citation defect does not turn a right answer into a miss, but it must not go unseen.
  const reason = citations.problems.length > 0 ? `${verdict.reason} [citation defect: ${citations.problems.join("; ")}]` : verdict.reason;
  return {
    id: q.id,
    category: q.category,
    expected_behavior: q.expected_behavior,
    pass: verdict.pass,
    reason,
    verdict,
    rankedSources: rankedSources(obs.hits),
    retrieval: scoreRetrieval(q, obs.hits),
    citations,
    latencyMs: obs.latencyMs,
    answer: obs.answer,
    ...(obs.error === undefined ? {} : { error: obs.error }),
    ...(obs.searchError === undefined ? {} : { searchError: obs.searchError }),
  };
}
