import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatOpenAI } from "@langchain/openai";
import type { Settings } from "../../config/settings.ts";

export type LlmSettings = Pick<
  Settings,
  "OPENAI_API_KEY" | "LLM_BASE_URL" | "LLM_MODEL" | "LLM_TIMEOUT_MS" | "LLM_MAX_RETRIES" | "LLM_TEMPERATURE"
>;

/**
 * Local OpenAI-compatible servers (Ollama, vLLM, LM Studio) need no key, but the OpenAI client
 * refuses to start without one; this placeholder is sent instead and means nothing to them.
 */
export const PLACEHOLDER_API_KEY = "not-needed-for-local-llm";

/**
 * The chat model for any OpenAI-compatible endpoint. Retries are the answerer's (only for
 * retryable failures, with jitter, inside one LLM_TIMEOUT_MS budget that an AbortSignal
 * enforces down to the HTTP request), so the client itself makes one attempt per call.
 */
export function createChatModel(settings: LlmSettings): BaseChatModel {
  return new ChatOpenAI({
    model: settings.LLM_MODEL,
    temperature: settings.LLM_TEMPERATURE,
    apiKey: settings.OPENAI_API_KEY ?? PLACEHOLDER_API_KEY,
    configuration: settings.LLM_BASE_URL ? { baseURL: settings.LLM_BASE_URL } : {},
    timeout: settings.LLM_TIMEOUT_MS,
    maxRetries: 0,
  });
}
