import path from "node:path";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import type { Settings } from "../../config/settings.ts";
import { LlmError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import { answerSchema, type Answer, type AnswerEvent } from "../../schema/answer.ts";
import type { LlmAnswerInput, LlmAnswerer } from "../types.ts";
import { createChatModel, type LlmSettings } from "./client.ts";
import { backoffMs, describeFailure, isRetryable, toLlmError } from "./failure.ts";
import { buildPrompt, loadPromptTemplates } from "./prompt.ts";
import { normaliseMarkers, sentencePieces } from "./text.ts";
import { AnswerLayout, AnswerVerifier, withLinePrefixes, type Similarity } from "./verify.ts";

export interface LlmAnswererOptions {
  settings: LlmSettings & Pick<Settings, "rootDir">;
  logger?: Logger;
  /** Any LangChain chat model; defaults to ChatOpenAI built from the settings. */
  chat?: BaseChatModel;
  /** Where answer-system.md and answer-user.md live; defaults to `<rootDir>/prompts`. */
  promptsDir?: string;
  /** The sentence embedder's similarity, for the semantic part of the support test (skipped without one). */
  similarity?: Similarity;
  /** First pause between retries, doubled each time, with jitter (default 250 ms). */
  retryBaseMs?: number;
}

/** Words per streamed delta when replaying the verified text. */
const WORDS_PER_DELTA = 4;

/** The answer is replaced by the deterministic one when more of its sentences were dropped than kept. */
export function tooMuchDropped(kept: number, dropped: number): boolean {
  return kept === 0 || dropped > kept;
}

/** Thrown when the caller's signal aborts (the client went away): nobody is waiting for an answer. */
export class AnswerCancelled extends Error {
  constructor() {
    super("the caller stopped waiting for the answer");
    this.name = "AbortError";
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });

/** Splits text into word-group deltas whose concatenation is exactly the text. */
export function deltas(text: string, wordsPerDelta = WORDS_PER_DELTA): string[] {
  const words = text.match(/\s*\S+\s*/g) ?? [];
  const out: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerDelta) out.push(words.slice(i, i + wordsPerDelta).join(""));
  return out;
}

/**
 * The LLM answer path: number the passages, ask the model, verify every sentence against the
 * passages it cites, and return a verified Answer, or the deterministic fallback with the
 * reason. One budget of LLM_TIMEOUT_MS covers every attempt (retries only for retryable
 * failures, with jitter); the caller's AbortSignal (a client that left) aborts the HTTP request
 * at once and makes the call throw AnswerCancelled. Nothing else is thrown once constructed;
 * construction throws when the prompt templates cannot be read.
 */
export function createLlmAnswerer(options: LlmAnswererOptions): LlmAnswerer {
  const { settings } = options;
  const templates = loadPromptTemplates(options.promptsDir ?? path.join(settings.rootDir, "prompts"));
  const chat = options.chat ?? createChatModel(settings);
  const log = options.logger?.child({ component: "llm-answerer" });
  const retryBaseMs = options.retryBaseMs ?? 250;

  function messagesFor(input: LlmAnswerInput): BaseMessage[] {
    const prompt = buildPrompt(templates, input.question, input.passages);
    return [new SystemMessage(prompt.system), new HumanMessage(prompt.user)];
  }

  function verifierFor(input: LlmAnswerInput): AnswerVerifier {
    return new AnswerVerifier(input.passages, { question: input.question, similarity: options.similarity });
  }

  function fallback(input: LlmAnswerInput, error: LlmError, llmMs: number | undefined, droppedSentences = 0): Answer {
    const level = error.reason === "unverified" ? "info" : "warn";
    log?.[level]({ id: input.id, llm: describeFailure(error, settings.OPENAI_API_KEY) }, "LLM answer not used; returning the deterministic answer");
    return {
      ...input.fallback,
      fallbackReason: error.reason,
      ...(droppedSentences > 0 ? { diagnostics: { ...input.fallback.diagnostics, droppedSentences } } : {}),
      timings: { ...input.fallback.timings, ...(llmMs === undefined ? {} : { llmMs }), totalMs: Date.now() - input.startedAt },
    };
  }

  /** The verified sentences as an Answer, or an LlmError saying why they cannot be one. */
  function compose(input: LlmAnswerInput, verifier: AnswerVerifier, text: string, raw: string, llmMs: number, composeMs: number): Answer {
    if (raw.trim() === "") throw new LlmError("malformed", "LLM returned no text");
    const dropped = verifier.droppedSentences.length;
    if (dropped > 0) {
      log?.debug(
        { id: input.id, droppedSentences: verifier.droppedSentences.map((d) => d.reason), droppedCitations: verifier.dropped.map(({ n, reason }) => ({ n, reason })) },
        "LLM sentences dropped",
      );
    }
    if (tooMuchDropped(verifier.keptSentences, dropped)) {
      throw new LlmError("unverified", `${dropped} of ${dropped + verifier.keptSentences} LLM sentences had no supporting citation`);
    }
    const parsed = answerSchema.safeParse({
      id: input.fallback.id,
      question: input.fallback.question,
      ...(input.fallback.resolvedQuestion === undefined ? {} : { resolvedQuestion: input.fallback.resolvedQuestion }),
      status: "answered",
      answer: text,
      citations: verifier.citations(text),
      mode: "llm",
      related: input.fallback.related,
      diagnostics: { droppedSentences: dropped },
      timings: { retrieveMs: input.retrieveMs, llmMs, composeMs, totalMs: Date.now() - input.startedAt },
    });
    if (!parsed.success) throw new LlmError("malformed", `composed answer fails the Answer schema: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  /**
   * The budget of one question: aborts LLM_TIMEOUT_MS after the question arrived (retrieval
   * included, so a user never waits longer than that for the LLM, whatever the load), or as soon
   * as the caller's signal does.
   */
  function budget(input: LlmAnswerInput) {
    const deadline = new AbortController();
    const remaining = Math.max(0, settings.LLM_TIMEOUT_MS - (Date.now() - input.startedAt));
    const timer = setTimeout(
      () => deadline.abort(new LlmError("timeout", `LLM gave no complete answer within LLM_TIMEOUT_MS=${settings.LLM_TIMEOUT_MS} ms of the question`)),
      remaining,
    );
    // Aborted when the answer is settled, so a stream whose reader stopped early does not keep its request open.
    const settled = new AbortController();
    const signal = AbortSignal.any([...(input.signal ? [input.signal] : []), deadline.signal, settled.signal]);
    return {
      signal,
      deadlineHit: () => deadline.signal.aborted,
      dispose: () => {
        clearTimeout(timer);
        settled.abort(new AnswerCancelled());
      },
    };
  }

  /**
   * Runs `attempt` until it succeeds, the budget ends, or a failure is not worth retrying;
   * `retryAllowed` says no once output has been used (a stream that already produced text).
   */
  async function withRetries<T>(signal: AbortSignal, attempt: () => Promise<T>, retryAllowed: () => boolean = () => true): Promise<T> {
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (signal.aborted || n >= settings.LLM_MAX_RETRIES || !retryAllowed() || !isRetryable(toLlmError(error))) throw error;
        log?.debug({ attempt: n + 1, reason: toLlmError(error).reason }, "LLM attempt failed; retrying");
        await sleep(backoffMs(n, retryBaseMs), signal);
      }
    }
  }

  function cancelledOr(input: LlmAnswerInput): void {
    if (input.signal?.aborted) throw new AnswerCancelled();
  }

  function* replay(answer: Answer): Generator<AnswerEvent> {
    yield { type: "citations", citations: answer.citations };
    for (const text of deltas(answer.answer)) yield { type: "delta", text };
    yield { type: "done", answer };
  }

  return {
    async answer(input) {
      // No passages means nothing could be cited: the model would only be asked to refuse.
      if (input.passages.length === 0) return fallback(input, new LlmError("unverified", "no passages to answer from"), undefined);
      cancelledOr(input);
      const { signal, deadlineHit, dispose } = budget(input);
      const started = Date.now();
      let llmMs: number | undefined;
      const verifier = verifierFor(input);
      try {
        const messages = messagesFor(input);
        const raw = await withRetries(signal, async () => (await chat.invoke(messages, { signal })).text);
        llmMs = Date.now() - started;
        const composeStarted = Date.now();
        const layout = new AnswerLayout();
        for (const piece of withLinePrefixes(sentencePieces(normaliseMarkers(raw)).pieces)) {
          layout.see(piece);
          const verdict = await verifier.check(piece.text);
          if (verdict.kept) layout.append(piece, verdict.text);
        }
        return compose(input, verifier, layout.value, raw, llmMs, Date.now() - composeStarted);
      } catch (error) {
        cancelledOr(input);
        return fallback(input, toLlmError(error, deadlineHit()), llmMs ?? Date.now() - started, verifier.droppedSentences.length);
      } finally {
        dispose();
      }
    },

    /**
     * Streams the model's reply sentence by sentence: each sentence is verified as soon as it is
     * complete and sent (as a delta) only if kept, so nothing unverified is ever shown. The
     * stream then ends with the citations the sent sentences use, and the final Answer. When the
     * answer cannot be used (a failure, or too much dropped) the final Answer is the
     * deterministic one, with its reason: its citations and text are sent as usual if nothing
     * was sent yet, else `citations` and `done` replace what was shown.
     */
    async *stream(input): AsyncGenerator<AnswerEvent> {
      if (input.passages.length === 0) {
        yield* replay(fallback(input, new LlmError("unverified", "no passages to answer from"), undefined));
        return;
      }
      cancelledOr(input);
      const { signal, deadlineHit, dispose } = budget(input);
      const started = Date.now();
      const verifier = verifierFor(input);
      const layout = new AnswerLayout();
      let raw = "";
      let checked = 0;
      let sent = false;
      let llmMs: number | undefined;
      let verifyMs = 0;
      let answer: Answer;
      /** Verifies the sentences that are complete (all of them at the end) and returns the deltas to send. */
      const verifyComplete = async (final: boolean): Promise<string[]> => {
        const t = Date.now();
        const { pieces, completeCount } = sentencePieces(normaliseMarkers(raw));
        const laidOut = withLinePrefixes(pieces);
        const out: string[] = [];
        for (const end = final ? pieces.length : completeCount; checked < end; checked++) {
          const piece = laidOut[checked]!;
          layout.see(piece);
          const verdict = await verifier.check(piece.text);
          if (verdict.kept) out.push(layout.append(piece, verdict.text));
        }
        verifyMs += Date.now() - t;
        return out;
      };
      try {
        const messages = messagesFor(input);
        // An attempt is retried only until the model's first chunk: once text arrived, it is used.
        const { iterator, first } = await withRetries(signal, async () => {
          const iterator = (await chat.stream(messages, { signal }))[Symbol.asyncIterator]();
          return { iterator, first: await iterator.next() };
        });
        for (let next = first; !next.done; next = await iterator.next()) {
          raw += next.value.text;
          for (const text of await verifyComplete(false)) {
            sent = true;
            yield { type: "delta", text };
          }
        }
        llmMs = Date.now() - started - verifyMs;
        for (const text of await verifyComplete(true)) {
          sent = true;
          yield { type: "delta", text };
        }
        answer = compose(input, verifier, layout.value, raw, llmMs, verifyMs);
      } catch (error) {
        cancelledOr(input);
        const replacement = fallback(input, toLlmError(error, deadlineHit()), llmMs ?? Date.now() - started, verifier.droppedSentences.length);
        if (!sent) yield* replay(replacement);
        else {
          yield { type: "citations", citations: replacement.citations };
          yield { type: "done", answer: replacement };
        }
        return;
      } finally {
        dispose();
      }
      yield { type: "citations", citations: answer.citations };
      yield { type: "done", answer };
    },
  };
}
