import path from "node:path";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import type { Settings } from "../../config/settings.ts";
import { LlmError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import { answerSchema, type Answer, type AnswerEvent } from "../../schema/answer.ts";
import type { LlmAnswerInput, LlmAnswerer } from "../types.ts";
import { createChatModel, type LlmSettings } from "./client.ts";
import { describeFailure, toLlmError } from "./failure.ts";
import { buildPrompt, loadPromptTemplates } from "./prompt.ts";
import { verifyAnswer } from "./verify.ts";

export interface LlmAnswererOptions {
  settings: LlmSettings & Pick<Settings, "rootDir">;
  logger?: Logger;
  /** Any LangChain chat model; defaults to ChatOpenAI built from the settings. */
  chat?: BaseChatModel;
  /** Where answer-system.md and answer-user.md live; defaults to `<rootDir>/prompts`. */
  promptsDir?: string;
}

/** Words per streamed delta when replaying the verified text. */
const WORDS_PER_DELTA = 4;

/**
 * The overall deadline for one question: every attempt's own timeout plus the pauses LangChain's
 * retry loop (p-retry: 1 s doubling, randomised up to 2x) takes between attempts. The client's
 * per-attempt timeout stops at the response headers; this also bounds a streamed body that
 * stalls after them.
 */
export function deadlineMs(settings: Pick<LlmSettings, "LLM_TIMEOUT_MS" | "LLM_MAX_RETRIES">): number {
  return settings.LLM_TIMEOUT_MS * (settings.LLM_MAX_RETRIES + 1) + 2000 * (2 ** settings.LLM_MAX_RETRIES - 1);
}

/** Splits text into word-group deltas whose concatenation is exactly the text. */
export function deltas(text: string, wordsPerDelta = WORDS_PER_DELTA): string[] {
  const words = text.match(/\s*\S+\s*/g) ?? [];
  const out: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerDelta) out.push(words.slice(i, i + wordsPerDelta).join(""));
  return out;
}

/**
 * The LLM answer path: number the passages, ask the model, verify every citation against the
 * passage it names, and return a verified Answer, or the deterministic fallback with the
 * reason. Nothing here throws to the caller once constructed; construction throws when the
 * prompt templates cannot be read.
 */
export function createLlmAnswerer(options: LlmAnswererOptions): LlmAnswerer {
  const { settings } = options;
  const templates = loadPromptTemplates(options.promptsDir ?? path.join(settings.rootDir, "prompts"));
  const chat = options.chat ?? createChatModel(settings);
  const log = options.logger?.child({ component: "llm-answerer" });

  function messagesFor(input: LlmAnswerInput): BaseMessage[] {
    const prompt = buildPrompt(templates, input.question, input.passages);
    return [new SystemMessage(prompt.system), new HumanMessage(prompt.user)];
  }

  function fallback(input: LlmAnswerInput, error: LlmError, llmMs: number | undefined): Answer {
    const level = error.reason === "unverified" ? "info" : "warn";
    log?.[level]({ id: input.id, llm: describeFailure(error, settings.OPENAI_API_KEY) }, "LLM answer not used; returning the deterministic answer");
    return {
      ...input.fallback,
      fallbackReason: error.reason,
      timings: { ...input.fallback.timings, ...(llmMs === undefined ? {} : { llmMs }), totalMs: Date.now() - input.startedAt },
    };
  }

  /** Turns the model's raw text into a verified Answer, or throws an LlmError saying why not. */
  function compose(input: LlmAnswerInput, raw: string, llmMs: number): Answer {
    if (raw.trim() === "") throw new LlmError("malformed", "LLM returned no text");
    const started = Date.now();
    const verified = verifyAnswer(raw, input.passages);
    if (verified.dropped.length > 0) log?.debug({ id: input.id, dropped: verified.dropped.map(({ n, reason }) => ({ n, reason })) }, "LLM citations dropped");
    if (verified.citations.length === 0) {
      throw new LlmError("unverified", `none of the LLM's citations is supported by its passages (${verified.dropped.length} dropped)`);
    }
    const parsed = answerSchema.safeParse({
      id: input.fallback.id,
      question: input.fallback.question,
      status: "answered",
      answer: verified.text,
      citations: verified.citations,
      mode: "llm",
      related: input.fallback.related,
      timings: { retrieveMs: input.retrieveMs, llmMs, composeMs: Date.now() - started, totalMs: Date.now() - input.startedAt },
    });
    if (!parsed.success) throw new LlmError("malformed", `composed answer fails the Answer schema: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  /**
   * Runs one model call under the overall deadline and returns the final Answer (verified, or
   * the fallback). `call` is invoke or stream; both end in the full text because verification
   * needs all of it.
   */
  async function run(input: LlmAnswerInput, call: (messages: BaseMessage[], signal: AbortSignal) => Promise<string>): Promise<Answer> {
    // No passages means nothing could be cited: the model would only be asked to refuse.
    if (input.passages.length === 0) return fallback(input, new LlmError("unverified", "no passages to answer from"), undefined);
    const controller = new AbortController();
    let deadlineHit = false;
    const timer = setTimeout(() => {
      deadlineHit = true;
      controller.abort(new LlmError("timeout", `LLM gave no complete answer within ${deadlineMs(settings)} ms`));
    }, deadlineMs(settings));
    const started = Date.now();
    let llmMs: number | undefined;
    try {
      const raw = await call(messagesFor(input), controller.signal);
      llmMs = Date.now() - started;
      return compose(input, raw, llmMs);
    } catch (error) {
      return fallback(input, toLlmError(error, deadlineHit), llmMs ?? Date.now() - started);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    answer(input) {
      return run(input, async (messages, signal) => {
        const message = await chat.invoke(messages, { signal });
        return message.text;
      });
    },

    /**
     * Streams the model's tokens into a buffer, verifies the whole text, then emits citations,
     * the verified text as deltas, and done. Forwarding tokens as they arrive would show readers
     * text whose citations may later be removed (or an answer later replaced by the fallback);
     * the invariant is about what anyone sees, so verification comes first and only the replay
     * is streamed. A failure at any point becomes the fallback's events, never an exception.
     */
    async *stream(input): AsyncGenerator<AnswerEvent> {
      const answer = await run(input, async (messages, signal) => {
        let text = "";
        for await (const chunk of await chat.stream(messages, { signal })) text += chunk.text;
        return text;
      });
      yield { type: "citations", citations: answer.citations };
      for (const text of deltas(answer.answer)) yield { type: "delta", text };
      yield { type: "done", answer };
    },
  };
}
