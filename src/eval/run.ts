import { performance } from "node:perf_hooks";
import { checkCitations, type CitationProblem } from "../answer/citations.ts";
import type { Assistant } from "../assistant-types.ts";
import type { Turn } from "../answer/conversation/resolve.ts";
import type { Answer, AnswerMode } from "../schema/answer.ts";
import type { EvalQuestion } from "./questions.ts";
import { evaluateQuestion, inputRejection, type QuestionResult } from "./score.ts";

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
 * A conversation's earlier turns are asked first, each with the turns before it as history;
 * only the last answer is scored, and retrieval is measured on the question it resolved to.
 */
export async function runEval(
  assistant: Pick<Assistant, "ask" | "search">,
  questions: EvalQuestion[],
  options: RunOptions,
): Promise<QuestionResult[]> {
  const results: QuestionResult[] = [];
  for (const q of questions) {
    const rejection = inputRejection(q.question);
    const search = async (text: string) => {
      try {
        return { hits: await assistant.search(text, options.k) };
      } catch (err) {
        return { hits: [], searchError: message(err) };
      }
    };
    // A plain question is searched before it is asked, as it always was (so latencies stay comparable).
    let searched = q.turns ? undefined : await search(q.question);

    // Rejected questions are asked too: the verdict uses the 400, the report shows what ask did.
    let answer: Answer | undefined;
    let error: string | undefined;
    let latencyMs: number | null = null;
    try {
      const history = await earlierTurns(assistant, q, options.mode);
      const started = performance.now();
      answer = await assistant.ask(q.question, { mode: options.mode, ...(history.length ? { history } : {}) });
      latencyMs = performance.now() - started;
    } catch (err) {
      error = message(err);
    }
    searched ??= await search(answer?.resolvedQuestion ?? q.question);

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
      hits: searched.hits,
      ...(searched.searchError === undefined ? {} : { searchError: searched.searchError }),
      citationProblems,
      latencyMs,
    });
    results.push(result);
    options.onProgress?.(results.length, questions.length, result);
  }
  return results;
}

/** A conversation's turns before the scored one, each asked with the turns before it: the history of the last. */
async function earlierTurns(assistant: Pick<Assistant, "ask">, q: EvalQuestion, mode: AnswerMode): Promise<Turn[]> {
  const history: Turn[] = [];
  for (const question of q.turns?.slice(0, -1) ?? []) {
    const answer = await assistant.ask(question, { mode, ...(history.length ? { history: [...history] } : {}) });
    history.push({ question, answer: answer.answer });
  }
  return history;
}
