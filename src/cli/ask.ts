import type { Logger } from "pino";
import { createAssistant } from "../assistant.ts";
import type { Settings } from "../config/settings.ts";
import { embeddingProgressBar } from "./progress.ts";
import type { Answer } from "../schema/answer.ts";
import type { ConversationTurn } from "../schema/conversation.ts";
import { renderMarkdown, terminalStyle, type TerminalStyle } from "./terminal.ts";

/** The answer for a terminal: what was answered when a follow-up was resolved, its text, then each section once (sources, related terms, a fallback note). */
export function renderAnswerText(answer: Answer, style: TerminalStyle = terminalStyle(false)): string {
  const lines = [...resolvedLine(answer, style), renderMarkdown(answer.answer, style), ""];
  if (answer.citations.length) {
    lines.push(style.bold("Sources:"));
    for (const c of answer.citations) {
      const where = [c.title, c.section].filter(Boolean).join(" — ");
      const quote = c.quote.replace(/\s+/g, " ");
      lines.push(
        `${style.dim(`[${c.n}]`)} ${where}`,
        style.dim(`    ${c.path} [${c.start}:${c.end}]${c.page ? ` page ${c.page}` : ""}${c.url ? ` ${c.url}` : ""}`),
        `    "${quote.length > 240 ? `${quote.slice(0, 239)}…` : quote}"`,
      );
    }
    lines.push("");
  }
  // A not-found answer names the terms it suggests in its text already.
  const related = answer.related.filter((t) => answer.status === "answered" || !answer.answer.includes(`"${t}"`));
  if (related.length) lines.push(`${style.bold(answer.status === "answered" ? "Related terms:" : "Terms you could look up:")} ${related.join(", ")}`, "");
  if (answer.fallbackReason) lines.push(style.dim(`(LLM answer unavailable: ${answer.fallbackReason}; showing the extractive answer)`), "");
  return lines.join("\n");
}

/** "Answering: What are the risks of BPO?" when a follow-up was answered as another question than the one typed. */
function resolvedLine(answer: Answer, style: TerminalStyle): string[] {
  return answer.resolvedQuestion !== undefined && answer.resolvedQuestion !== answer.question ? [style.dim(`Answering: ${answer.resolvedQuestion}`), ""] : [];
}

/** Exit code of `kpo ask`: 0 answered, 1 not found or refused (usage errors and failures exit 2 in main.ts). */
export const answerExitCode = (answer: Pick<Answer, "status">) => (answer.status === "answered" ? 0 : 1);

export async function askCommand(
  ctx: { settings: Settings; logger: Logger; style: TerminalStyle },
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
    process.stdout.write(opts.json ? `${JSON.stringify(answer, null, 2)}\n` : renderAnswerText(answer, ctx.style));
    process.exitCode = answerExitCode(answer);
  } finally {
    await assistant.close();
  }
}
