import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { GlossaryMatcher } from "../retrieve/glossary-match.ts";
import type { Retriever } from "../retrieve/retriever.ts";
import { answerSchema, type Answer, type AnswerEvent, type AnswerMode, type AskOptions } from "../schema/answer.ts";
import { askForSubject, nothingMore, resolveFollowUp, type Resolution } from "./conversation/resolve.ts";
import { questionParts, type ComposeInput, type DeterministicComposer } from "./deterministic/compose.ts";
import { screenQuestion } from "./deterministic/guard.ts";
import { analyzeQuestion, askedText, resolveSubject, stripMarkup } from "./deterministic/question.ts";
import type { LlmAnswerer, Passage, QuestionCondenser } from "./types.ts";

export interface AnswerServiceDeps {
  retriever: Retriever;
  composer: DeterministicComposer;
  matcher: GlossaryMatcher;
  embedQuery: (text: string) => Promise<number[]>;
  llm?: LlmAnswerer;
  /** With an LLM: rewrites a follow-up as a standalone question (the deterministic resolution is its fallback). */
  condenser?: QuestionCondenser;
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
  /** The standalone question answered (the question itself unless a follow-up was resolved). */
  asked: string;
  started: number;
  retrieveMs: number;
  passages: Passage[];
  deterministic: Answer;
}

/**
 * The one answer service every surface uses: resolve a follow-up against the conversation ->
 * screen -> retrieve -> compose (deterministic), then optionally rephrase with a verified LLM
 * answer. A question without history is answered exactly as typed.
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

  /**
   * The standalone question a follow-up asks (options.history: the earlier turns, oldest first).
   * Deterministic, or with an LLM configured (and LLM mode) the model's condensing step, which
   * falls back to the deterministic resolution on any failure.
   */
  async resolve(question: string, options: AskOptions = {}): Promise<Resolution> {
    const history = options.history ?? [];
    const resolution = resolveFollowUp(question, history, this.deps.matcher);
    if (history.length === 0 || this.modeFor(options) !== "llm" || !this.deps.condenser) return resolution;
    return this.deps.condenser.condense({ question, history, fallback: resolution, ...(options.signal ? { signal: options.signal } : {}) });
  }

  /**
   * Everything the composer needs for a standalone question: screened (instructions inside it left
   * out), analysed, retrieved. The reply instead when the question is refused. The trainer (`npm run
   * train`) prepares its questions the same way.
   */
  async prepareCompose(question: string, avoidText?: string[]): Promise<{ refused: string } | { input: Omit<ComposeInput, "id">; retrieveMs: number }> {
    const started = performance.now();
    // Markup is never part of a question: "<script>…</script> what is kpo" asks what KPO is.
    const screen = screenQuestion(stripMarkup(question));
    if (screen.verdict === "refused") return { refused: screen.reply };
    const analyzed = analyzeQuestion(screen.question, (text) => this.deps.composer.correctSpelling(text));
    const { question: subject, matches } = resolveSubject(analyzed, this.deps.matcher);
    // Retrieval sees the question's topic words, not its chat filler, politeness or markup.
    const searchText = this.deps.composer.searchText(subject);
    const queryVector = await this.deps.embedQuery(askedText(subject));
    // Glossary entries and curated claims are dense with keywords and would crowd documents out of a fixed-depth
    // list, so the composer gets the glossary entries and claims retrieval found plus COMPOSE_DEPTH document passages.
    const ranked = await this.deps.retriever.retrieve(searchText, { k: COMPOSE_DEPTH * 6, vector: queryVector });
    const curated = (p: Passage) => p.kind === "glossary" || p.kind === "topic";
    const passages = [...ranked.filter((p) => p.kind === "glossary"), ...ranked.filter((p) => p.kind === "topic").slice(0, CLAIM_DEPTH), ...ranked.filter((p) => !curated(p)).slice(0, COMPOSE_DEPTH)].sort(
      (a, b) => b.score - a.score || a.id.localeCompare(b.id),
    );
    const retrieveMs = performance.now() - started;
    const split = questionParts(subject.focus);
    const parts = split.length > 1 ? await Promise.all(split.map(async (text) => ({ text, vector: await this.deps.embedQuery(text) }))) : undefined;
    return { input: { question: subject, passages, queryVector, matches, ...(parts ? { parts } : {}), ...(avoidText ? { avoidText } : {}) }, retrieveMs };
  }

  private async prepare(question: string, options: AskOptions, resolution?: Resolution): Promise<Prepared> {
    const id = randomUUID();
    const started = performance.now();
    const resolved = resolution ?? (await this.resolve(question, options));
    const asked = resolved.question;
    const unanswered = (status: "refused" | "not_found", answer: string): Prepared => {
      const deterministic = finish({ id, question, resolvedQuestion: asked, status, answer, citations: [], related: [] }, started, 0, started);
      return { id, question, asked, started, retrieveMs: 0, passages: [], deterministic };
    };
    // "what are its risks?" with nothing earlier to say whose: ask rather than guess.
    if (resolved.kind === "unresolved") return unanswered("not_found", askForSubject(resolved));
    const avoidText = resolved.avoidText;
    const prepared = await this.prepareCompose(asked, avoidText);
    if ("refused" in prepared) return unanswered("refused", prepared.refused);
    const composeStarted = performance.now();
    const composed = this.deps.composer.compose({ id, ...prepared.input });
    // "Tell me more" when the previous answer (one that cited something) already showed everything relevant.
    const showedEvidence = avoidText?.some((text) => /\[\d+\]/.test(text)) ?? false;
    const body = resolved.kind === "continuation" && composed.status === "not_found" && showedEvidence ? { ...composed, answer: nothingMore() } : composed;
    const deterministic = finish({ id, question, resolvedQuestion: asked, ...body }, started, prepared.retrieveMs, composeStarted);
    return { id, question, asked, started, retrieveMs: prepared.retrieveMs, passages: prepared.input.passages.slice(0, options.k ?? DEFAULT_K), deterministic };
  }

  /** `resolution`: the follow-up already resolved (see resolve); resolved here when not given. */
  async ask(question: string, options: AskOptions = {}, resolution?: Resolution): Promise<Answer> {
    const prepared = await this.prepare(question, options, resolution);
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
    return { id: p.id, question: p.asked, passages: p.passages, fallback: p.deterministic, startedAt, retrieveMs: p.retrieveMs, ...(signal ? { signal } : {}) };
  }
}

function finish(
  body: Pick<Answer, "id" | "question" | "resolvedQuestion" | "status" | "answer" | "citations" | "related">,
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
