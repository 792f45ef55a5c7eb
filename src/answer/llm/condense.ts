import path from "node:path";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { z } from "zod";
import type { Settings } from "../../config/settings.ts";
import { LlmError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import type { Resolution, Turn } from "../conversation/resolve.ts";
import type { CondenseInput, QuestionCondenser } from "../types.ts";
import { AnswerCancelled } from "./answerer.ts";
import { createChatModel, type LlmSettings } from "./client.ts";
import { describeFailure, toLlmError } from "./failure.ts";
import { fillTemplate, loadPromptTemplates, neutraliseFences } from "./prompt.ts";

export interface QuestionCondenserOptions {
  settings: LlmSettings & Pick<Settings, "rootDir" | "LLM_CONDENSE_TIMEOUT_MS">;
  logger?: Logger;
  /** Any LangChain chat model; defaults to ChatOpenAI built from the settings. */
  chat?: BaseChatModel;
  /** Where condense-system.md and condense-user.md live; defaults to `<rootDir>/prompts`. */
  promptsDir?: string;
}

/** What the model says when the follow-up points at nothing the conversation names. */
export const UNCLEAR = "UNCLEAR";

/** An earlier answer is shown to the model by its opening (what it was about), not whole. */
const ANSWER_EXCERPT = 600;
/** The longest rewritten question accepted: a longer reply answered the question instead of rewriting it. */
const MAX_CONDENSED = 400;

/**
 * The model's reply, checked: one line (a label such as "Standalone question:" and quotes
 * dropped), with letters in it, no citation markers (it answered instead of rewriting), no
 * fence tags, and not too long. Anything else is `malformed`, and the deterministic resolution
 * is used.
 */
export const condensedSchema = z
  .string()
  .transform((raw) =>
    (raw.split(/\r?\n/).find((line) => line.trim()) ?? "")
      .trim()
      .replace(/^(?:standalone question|question|rewritten question)\s*:\s*/i, "")
      .replace(/^["'“‘]+|["'”’]+$/g, "")
      .trim(),
  )
  .pipe(
    z
      .string()
      .min(1, "empty")
      .max(MAX_CONDENSED, "longer than a question")
      .regex(/\p{L}/u, "no words")
      .refine((text) => !/\[\d+\]/.test(text), "cites passages: an answer, not a question")
      .refine((text) => neutraliseFences(text) === text, "contains prompt fence tags"),
  );

function historyText(history: readonly Turn[]): string {
  return history
    .map((turn) => {
      const answer = turn.answer?.replace(/\[\d+\]/g, "").replace(/\s+/g, " ").trim();
      const excerpt = answer && answer.length > ANSWER_EXCERPT ? `${answer.slice(0, ANSWER_EXCERPT)}…` : answer;
      return `<turn>\n<question>${neutraliseFences(turn.question.trim())}</question>${excerpt ? `\n<answer>${neutraliseFences(excerpt)}</answer>` : ""}\n</turn>`;
    })
    .join("\n");
}

const sameWords = (a: string, b: string) => a.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim() === b.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();

/**
 * The condensing step of LLM mode: the conversation and the follow-up go to the configured chat
 * model, which returns the standalone question; retrieval and verification then run on it as on
 * any question. One attempt within LLM_CONDENSE_TIMEOUT_MS; on a timeout, an error or an
 * unusable reply the deterministic resolution is returned (and logged). What a continuation
 * avoids ("tell me more") comes from the deterministic resolution either way.
 */
export function createQuestionCondenser(options: QuestionCondenserOptions): QuestionCondenser {
  const { settings } = options;
  const templates = loadPromptTemplates(options.promptsDir ?? path.join(settings.rootDir, "prompts"), "condense");
  const chat = options.chat ?? createChatModel(settings);
  const log = options.logger?.child({ component: "llm-condenser" });

  return {
    async condense(input: CondenseInput): Promise<Resolution> {
      const { question, history, fallback } = input;
      if (input.signal?.aborted) throw new AnswerCancelled();
      const timeout = AbortSignal.timeout(settings.LLM_CONDENSE_TIMEOUT_MS);
      const signal = input.signal ? AbortSignal.any([input.signal, timeout]) : timeout;
      const user = fillTemplate(templates.user, { history: historyText(history), question: neutraliseFences(question.trim()) });
      try {
        const reply = await chat.invoke([new SystemMessage(templates.system), new HumanMessage(user)], { signal });
        const parsed = condensedSchema.safeParse(reply.text);
        if (!parsed.success) throw new LlmError("malformed", `condensed question unusable: ${parsed.error.issues[0]?.message}`);
        const condensed = parsed.data;
        if (condensed === UNCLEAR) return { question, kind: "unresolved", ...(fallback.dangling ? { dangling: fallback.dangling } : {}) };
        if (sameWords(condensed, question)) return { question, kind: "standalone" };
        const kind = fallback.kind === "standalone" || fallback.kind === "unresolved" ? "reference" : fallback.kind;
        return { question: condensed, kind, ...(fallback.avoidText ? { avoidText: fallback.avoidText } : {}) };
      } catch (error) {
        if (input.signal?.aborted) throw new AnswerCancelled();
        const failure = toLlmError(error, timeout.aborted);
        log?.warn({ llm: describeFailure(failure, settings.OPENAI_API_KEY) }, "LLM could not condense the follow-up; using the deterministic resolution");
        return fallback;
      }
    },
  };
}
