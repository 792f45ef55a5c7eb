import type { Answer, AnswerEvent } from "../schema/answer.ts";
import type { Passage } from "../schema/passage.ts";

export type { Passage } from "../schema/passage.ts";

/** Everything an LLM answer needs: the passages it may cite, and the deterministic answer to fall back on. */
export interface LlmAnswerInput {
  id: string;
  question: string;
  passages: Passage[];
  /** The deterministic answer for the same question: returned (with fallbackReason) when the LLM fails or is unverifiable. */
  fallback: Answer;
  startedAt: number;
  retrieveMs: number;
  /** Aborted when the caller stops waiting (a client that disconnected): the LLM request is aborted with it. */
  signal?: AbortSignal;
}

export interface LlmAnswerer {
  answer(input: LlmAnswerInput): Promise<Answer>;
  stream(input: LlmAnswerInput): AsyncIterable<AnswerEvent>;
}
