import { performance } from "node:perf_hooks";
import { checkCitations, type CitationProblem } from "../answer/citations.ts";
import type { Assistant } from "../assistant-types.ts";
import type { AnswerMode } from "../schema/answer.ts";
import type { SearchHit } from "../schema/passage.ts";
import type { EvalQuestion } from "./questions.ts";
import { evaluateQuestion, inputRejection, type AnswerLike, type QuestionResult } from "./score.ts";

export interface RunOptions {
  mode: AnswerMode;
  /** Passages searched for the retrieval metrics. */
  k: number;
  /** Repository root: citation paths are relative to it. */
  rootDir: string;
  onProgress?: (done: number, total: number, result: QuestionResult) => void;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Asks every question in turn (one at a time, so latencies are not inflated by each other)
 * and scores it. Errors from the assistant are recorded per question rather than ending the run.
 */
export async function runEval(
  assistant: Pick<Assistant, "ask" | "search">,
  questions: EvalQuestion[],
  options: RunOptions,
): Promise<QuestionResult[]> {
  const results: QuestionResult[] = [];
  for (const q of questions) {
    const rejection = inputRejection(q.question);

    let hits: SearchHit[] = [];
    let searchError: string | undefined;
    try {
      hits = await assistant.search(q.question, options.k);
    } catch (err) {
      searchError = message(err);
    }

    // Rejected questions are asked too: the verdict uses the 400, the report shows what ask did.
    let answer: AnswerLike | undefined;
    let error: string | undefined;
    let latencyMs: number | null = null;
    const started = performance.now();
    try {
      answer = await assistant.ask(q.question, { mode: options.mode });
      latencyMs = performance.now() - started;
    } catch (err) {
      error = message(err);
    }

    let citationProblems: CitationProblem[] = [];
    if (answer) {
      try {
        citationProblems = await checkCitations(answer, options.rootDir);
      } catch (err) {
        citationProblems = [{ problem: `citations could not be checked: ${message(err)}` }];
      }
    }

    const result = evaluateQuestion(q, {
      ...(rejection === undefined ? {} : { rejection }),
      ...(answer === undefined ? {} : { answer }),
      ...(error === undefined ? {} : { error }),
      hits,
      ...(searchError === undefined ? {} : { searchError }),
      citationProblems,
      latencyMs,
    });
    results.push(result);
    options.onProgress?.(results.length, questions.length, result);
  }
  return results;
}
