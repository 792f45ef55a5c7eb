import type { Answer, AnswerEvent } from "../schema/answer.ts";
import type { Resolution, Turn } from "./conversation/resolve.ts";
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

/** A follow-up and the conversation before it, to be rewritten as a standalone question. */
export interface CondenseInput {
  question: string;
  history: readonly Turn[];
  /** The deterministic resolution: returned when the model fails, times out or answers with something unusable. */
  fallback: Resolution;
  signal?: AbortSignal;
}

/** The LLM's condensing step (history + follow-up -> standalone question). Never throws, except when the caller's signal aborts. */
export interface QuestionCondenser {
  condense(input: CondenseInput): Promise<Resolution>;
}

export interface LlmAnswerer {
  answer(input: LlmAnswerInput): Promise<Answer>;
  stream(input: LlmAnswerInput): AsyncIterable<AnswerEvent>;
}
