export { AnswerCancelled, createLlmAnswerer, type LlmAnswererOptions } from "./answerer.ts";
export { createQuestionCondenser, type QuestionCondenserOptions } from "./condense.ts";
export { createChatModel, PLACEHOLDER_API_KEY, type LlmSettings } from "./client.ts";
export { buildPrompt, loadPromptTemplates, neutraliseFences, type PromptTemplates } from "./prompt.ts";
export { AnswerVerifier, SEMANTIC_THRESHOLD, SUPPORT_THRESHOLD, supportFor, verifyAnswer, type DroppedCitation, type Similarity, type VerifiedAnswer } from "./verify.ts";
