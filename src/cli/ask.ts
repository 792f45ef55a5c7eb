import type { Logger } from "pino";
import { createAssistant } from "../assistant.ts";
import type { Settings } from "../config/settings.ts";
import { embeddingProgressBar } from "./progress.ts";
import type { Answer } from "../schema/answer.ts";
import type { ConversationTurn } from "../schema/conversation.ts";

export function renderAnswerText(answer: Answer): string {
  const lines = [...resolvedLine(answer), answer.answer, ""];
  if (answer.citations.length) {
    lines.push("Sources:");
    for (const c of answer.citations) {
      const where = [c.title, c.section].filter(Boolean).join(" — ");
      const quote = c.quote.replace(/\s+/g, " ");
      lines.push(`[${c.n}] ${where}`, `    ${c.path} [${c.start}:${c.end}]${c.page ? ` page ${c.page}` : ""}${c.url ? ` ${c.url}` : ""}`, `    "${quote.length > 240 ? `${quote.slice(0, 239)}…` : quote}"`);
    }
    lines.push("");
  }
  if (answer.related.length) lines.push(`Related terms: ${answer.related.join(", ")}`, "");
  if (answer.fallbackReason) lines.push(`(LLM answer unavailable: ${answer.fallbackReason}; showing the extractive answer)`, "");
  return lines.join("\n");
}

/** "Answering: What are the risks of BPO?" when a follow-up was answered as another question than the one typed. */
function resolvedLine(answer: Answer): string[] {
  return answer.resolvedQuestion !== undefined && answer.resolvedQuestion !== answer.question ? [`Answering: ${answer.resolvedQuestion}`, ""] : [];
}

export async function askCommand(
  ctx: { settings: Settings; logger: Logger },
  question: string,
  opts: { mode?: "deterministic" | "llm"; json?: boolean; history?: ConversationTurn[] },
): Promise<void> {
  if (opts.mode === "llm" && !ctx.settings.llmConfigured) {
    process.stderr.write("kpo: --mode llm needs OPENAI_API_KEY or LLM_BASE_URL; answering in deterministic mode\n");
  }
  const bar = embeddingProgressBar();
  const assistant = await createAssistant(ctx.settings, { logger: ctx.logger, onProgress: bar.onProgress }).finally(bar.stop);
  try {
    const answer = await assistant.ask(question, { mode: opts.mode, ...(opts.history?.length ? { history: opts.history } : {}) }, { channel: "cli" });
    process.stdout.write(opts.json ? `${JSON.stringify(answer, null, 2)}\n` : renderAnswerText(answer));
  } finally {
    await assistant.close();
  }
}
