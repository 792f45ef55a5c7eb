import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { GlossaryMatcher } from "../retrieve/glossary-match.ts";
import type { Retriever } from "../retrieve/retriever.ts";
import { answerSchema, type Answer, type AnswerEvent, type AnswerMode, type AskOptions } from "../schema/answer.ts";
import { questionParts, type DeterministicComposer } from "./deterministic/compose.ts";
import { screenQuestion } from "./deterministic/guard.ts";
import type { Passage } from "../schema/passage.ts";
import type { LlmAnswerer } from "./types.ts";

export interface AnswerServiceDeps {
  retriever: Retriever;
  composer: DeterministicComposer;
  matcher: GlossaryMatcher;
  embedQuery: (text: string) => Promise<number[]>;
  llm?: LlmAnswerer;
  defaultMode: AnswerMode;
  logger?: Logger;
}

/** How many passages the composer considers, and the default number handed to an LLM. */
const COMPOSE_DEPTH = 16;
const DEFAULT_K = 6;

interface Prepared {
  id: string;
  question: string;
  started: number;
  retrieveMs: number;
  passages: Passage[];
  deterministic: Answer;
}

/**
 * The one answer service every surface uses: screen -> retrieve -> compose
 * (deterministic), then optionally rephrase with a verified LLM answer.
 */
export class AnswerService {
  constructor(private readonly deps: AnswerServiceDeps) {}

  private modeFor(options: AskOptions): AnswerMode {
    // An LLM answer is only possible when one is configured; otherwise the deterministic answer is the answer.
    return (options.mode ?? this.deps.defaultMode) === "llm" && this.deps.llm ? "llm" : "deterministic";
  }

  private async prepare(question: string, options: AskOptions): Promise<Prepared> {
    const id = randomUUID();
    const started = performance.now();
    const screen = screenQuestion(question);
    if (screen.verdict === "refused") {
      const deterministic = finish({ id, question, status: "refused", answer: screen.reply, citations: [], related: [] }, started, 0, started);
      return { id, question, started, retrieveMs: 0, passages: [], deterministic };
    }
    const queryVector = await this.deps.embedQuery(screen.question);
    // Glossary entries are dense with keywords and would crowd documents out of a fixed-depth list,
    // so the composer gets the glossary entries retrieval found plus COMPOSE_DEPTH document passages.
    const ranked = await this.deps.retriever.retrieve(screen.question, { k: COMPOSE_DEPTH * 4, vector: queryVector });
    const passages = [...ranked.filter((p) => p.kind === "glossary"), ...ranked.filter((p) => p.kind !== "glossary").slice(0, COMPOSE_DEPTH)].sort(
      (a, b) => b.score - a.score || a.id.localeCompare(b.id),
    );
    const retrieved = performance.now();
    const matches = this.deps.matcher.match(screen.question);
    const split = questionParts(screen.question);
    const parts = split.length > 1 ? await Promise.all(split.map(async (text) => ({ text, vector: await this.deps.embedQuery(text) }))) : undefined;
    const composed = this.deps.composer.compose({ id, question: screen.question, passages, queryVector, matches, parts });
    const deterministic = finish({ id, question, ...composed }, started, retrieved - started, retrieved);
    return { id, question, started, retrieveMs: retrieved - started, passages: passages.slice(0, options.k ?? DEFAULT_K), deterministic };
  }

  async ask(question: string, options: AskOptions = {}): Promise<Answer> {
    const prepared = await this.prepare(question, options);
    if (this.modeFor(options) === "llm" && prepared.deterministic.status === "answered") {
      return this.deps.llm!.answer(this.llmInput(prepared));
    }
    return prepared.deterministic;
  }

  async *stream(question: string, options: AskOptions = {}): AsyncIterable<AnswerEvent> {
    const prepared = await this.prepare(question, options);
    if (this.modeFor(options) === "llm" && prepared.deterministic.status === "answered") {
      yield* this.deps.llm!.stream(this.llmInput(prepared));
      return;
    }
    const answer = prepared.deterministic;
    yield { type: "citations", citations: answer.citations };
    // Deterministic answers exist whole; they are streamed by paragraph so clients share one code path.
    for (const piece of answer.answer.split(/(?<=\n\n)/)) yield { type: "delta", text: piece };
    yield { type: "done", answer };
  }

  private llmInput(p: Prepared) {
    // LlmAnswerInput.startedAt is wall-clock milliseconds (Date.now()).
    const startedAt = Date.now() - (performance.now() - p.started);
    return { id: p.id, question: p.question, passages: p.passages, fallback: p.deterministic, startedAt, retrieveMs: p.retrieveMs };
  }
}

function finish(
  body: Pick<Answer, "id" | "question" | "status" | "answer" | "citations" | "related">,
  started: number,
  retrieveMs: number,
  composeStarted: number,
): Answer {
  const now = performance.now();
  return answerSchema.parse({
    ...body,
    mode: "deterministic",
    timings: { retrieveMs: round(retrieveMs), composeMs: round(now - composeStarted), totalMs: round(now - started) },
  });
}

const round = (ms: number) => Math.round(ms * 10) / 10;
