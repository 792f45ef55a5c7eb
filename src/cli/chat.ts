import { readFileSync } from "node:fs";
import readline from "node:readline";
import { InvalidArgumentError } from "commander";
import type { Logger } from "pino";
import { createAssistant } from "../assistant.ts";
import type { Settings } from "../config/settings.ts";
import { historySchema, MAX_QUESTION_CHARS, recentTurns, type ConversationTurn } from "../schema/conversation.ts";
import { renderAnswerText } from "./ask.ts";
import { embeddingProgressBar } from "./progress.ts";

/** `--history FILE`: a JSON array of earlier turns, oldest first ([{ "question": ..., "answer": ... }]), as the HTTP API takes them. */
export function readHistoryFile(file: string): ConversationTurn[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new InvalidArgumentError(`${file} cannot be read as JSON: ${(error as Error).message}`);
  }
  const parsed = historySchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidArgumentError(`${file}: ${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message} (expected a JSON array of at most 10 {"question", "answer"} turns)`);
  }
  return parsed.data;
}

const HELP = `Ask a question; follow-ups ("and its risks?", "tell me more") continue the conversation. /new starts a new one; Ctrl-D leaves.`;

/**
 * `kpo chat`: a conversation at the terminal. Each question is asked with the earlier turns as
 * history and answered with the same rendering as `kpo ask` (plus "Answering: ..." when a
 * follow-up was resolved). The line editor keeps the typed questions (up arrow). Reads lines
 * from a pipe as well, one question a line, so scripts and tests can drive it.
 */
export async function chatCommand(ctx: { settings: Settings; logger: Logger }, opts: { mode?: "deterministic" | "llm" }): Promise<void> {
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const bar = embeddingProgressBar();
  const assistant = await createAssistant(ctx.settings, { logger: ctx.logger, onProgress: bar.onProgress }).finally(bar.stop);
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: interactive, historySize: 100, prompt: "kpo> " });
  const say = (text: string) => process.stdout.write(`${text}\n`);
  let history: ConversationTurn[] = [];
  try {
    if (interactive) {
      say(HELP);
      rl.prompt();
    }
    // Ctrl-C leaves like Ctrl-D.
    rl.on("SIGINT", () => rl.close());
    for await (const raw of rl) {
      const question = raw.trim();
      if (question === "/new") {
        history = [];
        say("New conversation.");
      } else if (question === "/help") say(HELP);
      else if (question.length > MAX_QUESTION_CHARS) say(`That question is too long (${question.length} characters; at most ${MAX_QUESTION_CHARS}).`);
      else if (question) {
        const answer = await assistant.ask(question, { mode: opts.mode, ...(history.length ? { history } : {}) }, { channel: "cli" });
        say(renderAnswerText(answer));
        history = recentTurns([...history, { question, answer: answer.answer }]);
      }
      if (interactive) rl.prompt();
    }
    if (interactive) say("");
  } finally {
    rl.close();
    await assistant.close();
  }
}
