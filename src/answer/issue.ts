import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Answer, AnswerEvent, AnswerMode, AskOptions } from "../schema/answer.ts";
import type { Channel, QuestionLogEntry } from "../schema/feedback.ts";
import { answerCacheKey, type AnswerCache } from "../store/answer-cache.ts";
import type { QuestionLog } from "../store/types.ts";
import type { AnswerService } from "./service.ts";

/** Who is asking (recorded in the question log) and, for the API's header and metrics, whether the cache answered. */
export interface AskContext {
  channel?: Channel;
  onCacheLookup?: (result: "hit" | "miss") => void;
}

export interface IssuedAnswersDeps {
  service: AnswerService;
  cache: AnswerCache;
  log: QuestionLog;
  /** Changes whenever the index does, so cached answers never outlive the corpus they came from. */
  indexVersion: string;
  /** The corpus answers come from (its hash), logged with each answer. */
  corpus?: string;
  defaultMode: AnswerMode;
  /** LOG_QUESTIONS: false keeps the question text out of the log (the outcome is still kept). */
  logQuestions: boolean;
  /** Called when the question log could not take an entry (best effort: the answer is served anyway). */
  onLogError?: (error: unknown) => void;
  logger?: Logger;
}

/** The question log must not hold an answer back for long when its store is down. */
const LOG_TIMEOUT_MS = 2_000;

/**
 * Issues answers: the deterministic-answer cache in front of the answer service, and every
 * answer logged (id, outcome, sources, latency, channel) before it is handed out, so feedback
 * on it is recognised by any replica. A failing log or cache never fails the answer.
 */
export class IssuedAnswers {
  private lastWarned = 0;
  private readonly deps: IssuedAnswersDeps;

  constructor(deps: IssuedAnswersDeps) {
    this.deps = deps;
  }

  async ask(question: string, options: AskOptions = {}, context: AskContext = {}): Promise<Answer> {
    const started = performance.now();
    const mode = options.mode ?? this.deps.defaultMode;
    // A follow-up is cached under the standalone question it resolved to, never under its bare words.
    const resolution = await this.deps.service.resolve(question, options);
    const asked = resolution.kind === "unresolved" ? undefined : resolution.question;
    const key = mode === "deterministic" && asked !== undefined ? answerCacheKey(this.deps.indexVersion, asked.trim(), mode, options.k, resolution.avoidText) : undefined;
    const cached = key === undefined ? undefined : await this.deps.cache.get(key);
    let answer: Answer;
    if (cached) {
      // Same content, a fresh id (feedback tells responses apart) and this response's timings.
      const totalMs = Math.round((performance.now() - started) * 1000) / 1000;
      answer = { ...cached, id: randomUUID(), question, resolvedQuestion: asked, timings: { retrieveMs: 0, composeMs: 0, totalMs } };
      context.onCacheLookup?.("hit");
    } else {
      answer = await this.deps.service.ask(question, options, resolution);
      if (key !== undefined) {
        context.onCacheLookup?.("miss");
        if (answer.mode === "deterministic") await this.deps.cache.set(key, answer);
      }
    }
    await this.record(answer, context.channel ?? "api", performance.now() - started);
    return answer;
  }

  async *stream(question: string, options: AskOptions = {}, context: AskContext = {}): AsyncIterable<AnswerEvent> {
    const started = performance.now();
    for await (const event of this.deps.service.stream(question, options)) {
      if (event.type === "done") await this.record(event.answer, context.channel ?? "api", performance.now() - started);
      yield event;
    }
  }

  private async record(answer: Answer, channel: Channel, latencyMs: number): Promise<void> {
    const entry: QuestionLogEntry = {
      answerId: answer.id,
      // A follow-up is logged as the standalone question it asked ("and its risks?" means nothing in a gap report).
      question: this.deps.logQuestions ? (answer.resolvedQuestion ?? answer.question) : null,
      status: answer.status,
      mode: answer.mode,
      sources: [...new Set(answer.citations.map((c) => c.sourceId))],
      related: answer.related,
      latencyMs: Math.round(latencyMs * 10) / 10,
      channel,
      at: new Date().toISOString(),
      ...(this.deps.corpus ? { corpus: this.deps.corpus } : {}),
      // Kept whole for its permanent link, unless questions are kept out of the log.
      ...(this.deps.logQuestions ? { answer } : {}),
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.deps.log.logAnswer(entry),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`question log write took over ${LOG_TIMEOUT_MS} ms`)), LOG_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      // Every failure is counted; during an outage one warning a minute is enough to read.
      if (Date.now() - this.lastWarned >= 60_000) {
        this.lastWarned = Date.now();
        this.deps.logger?.warn({ err: error, answerId: answer.id }, "question log write failed; answers are served without it (one warning a minute while it lasts)");
      }
      this.deps.onLogError?.(error);
    } finally {
      clearTimeout(timer);
    }
  }
}
