export { createLlmAnswerer, deadlineMs, type LlmAnswererOptions } from "./answerer.ts";
export { createChatModel, PLACEHOLDER_API_KEY, type LlmSettings } from "./client.ts";
export { buildPrompt, loadPromptTemplates, neutraliseFences, type PromptTemplates } from "./prompt.ts";
export { SUPPORT_THRESHOLD, supportFor, verifyAnswer, type DroppedCitation, type VerifiedAnswer } from "./verify.ts";
