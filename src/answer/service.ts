import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { GlossaryMatcher } from "../retrieve/glossary-match.ts";
import type { Retriever } from "../retrieve/retriever.ts";
import { answerSchema, type Answer, type AnswerEvent, type AnswerMode, type AskOptions } from "../schema/answer.ts";
import { questionParts, type DeterministicComposer } from "./deterministic/compose.ts";
import { screenQuestion } from "./deterministic/guard.ts";
import { analyzeQuestion, askedText, resolveSubject } from "./deterministic/question.ts";
import type { LlmAnswerer, Passage } from "./types.ts";

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
const CLAIM_DEPTH = 16;
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
  private readonly deps: AnswerServiceDeps;

  constructor(deps: AnswerServiceDeps) {
    this.deps = deps;
  }

  private modeFor(options: AskOptions): AnswerMode {
    // An LLM answer is only possible when one is configured; otherwise the deterministic answer is the answer.
    return (options.mode ?? this.deps.defaultMode) === "llm" && this.deps.llm ? "llm" : "deterministic";
  }

  private async prepare(question: string, options: AskOptions): Promise<Prepared> {
    const id = randomUUID();
    const started = performance.now();
    // Markup is never part of a question: "<script>…</script> what is kpo" asks what KPO is.
    const analyzed = analyzeQuestion(question, (text) => this.deps.composer.correctSpelling(text));
    const screen = screenQuestion(analyzed.text);
    if (screen.verdict === "refused") {
      const deterministic = finish({ id, question, status: "refused", answer: screen.reply, citations: [], related: [] }, started, 0, started);
      return { id, question, started, retrieveMs: 0, passages: [], deterministic };
    }
    const { question: asked, matches } = resolveSubject(analyzed, this.deps.matcher);
    // Retrieval sees the question's topic words, not its chat filler, politeness or markup.
    const searchText = this.deps.composer.searchText(asked);
    const queryVector = await this.deps.embedQuery(askedText(asked));
    // Glossary entries and curated claims are dense with keywords and would crowd documents out of a fixed-depth
    // list, so the composer gets the glossary entries and claims retrieval found plus COMPOSE_DEPTH document passages.
    const ranked = await this.deps.retriever.retrieve(searchText, { k: COMPOSE_DEPTH * 6, vector: queryVector });
    const curated = (p: Passage) => p.kind === "glossary" || p.kind === "topic";
    const passages = [...ranked.filter((p) => p.kind === "glossary"), ...ranked.filter((p) => p.kind === "topic").slice(0, CLAIM_DEPTH), ...ranked.filter((p) => !curated(p)).slice(0, COMPOSE_DEPTH)].sort(
      (a, b) => b.score - a.score || a.id.localeCompare(b.id),
    );
    const retrieved = performance.now();
    const split = questionParts(asked.focus);
    const parts = split.length > 1 ? await Promise.all(split.map(async (text) => ({ text, vector: await this.deps.embedQuery(text) }))) : undefined;
    const composed = this.deps.composer.compose({ id, question: asked, passages, queryVector, matches, parts });
    const deterministic = finish({ id, question, ...composed }, started, retrieved - started, retrieved);
    return { id, question, started, retrieveMs: retrieved - started, passages: passages.slice(0, options.k ?? DEFAULT_K), deterministic };
  }

  async ask(question: string, options: AskOptions = {}): Promise<Answer> {
    const prepared = await this.prepare(question, options);
    if (this.modeFor(options) === "llm" && prepared.deterministic.status === "answered") {
      return this.deps.llm!.answer(this.llmInput(prepared, options.signal));
    }
    return prepared.deterministic;
  }

  async *stream(question: string, options: AskOptions = {}): AsyncIterable<AnswerEvent> {
    const prepared = await this.prepare(question, options);
    if (this.modeFor(options) === "llm" && prepared.deterministic.status === "answered") {
      yield* this.deps.llm!.stream(this.llmInput(prepared, options.signal));
      return;
    }
    const answer = prepared.deterministic;
    yield { type: "citations", citations: answer.citations };
    // Deterministic answers exist whole; they are streamed by paragraph so clients share one code path.
    for (const piece of answer.answer.split(/(?<=\n\n)/)) yield { type: "delta", text: piece };
    yield { type: "done", answer };
  }

  private llmInput(p: Prepared, signal: AbortSignal | undefined) {
    // LlmAnswerInput.startedAt is wall-clock milliseconds (Date.now()).
    const startedAt = Date.now() - (performance.now() - p.started);
    return { id: p.id, question: p.question, passages: p.passages, fallback: p.deterministic, startedAt, retrieveMs: p.retrieveMs, ...(signal ? { signal } : {}) };
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
