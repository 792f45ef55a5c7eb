import type { Logger } from "pino";
import { createAssistant } from "../assistant.ts";
import type { Settings } from "../config/settings.ts";
import type { SearchMode } from "../schema/passage.ts";
import { embeddingProgressBar } from "./progress.ts";
import { terminalStyle, type TerminalStyle } from "./terminal.ts";

export async function searchCommand(
  ctx: { settings: Settings; logger: Logger; style?: TerminalStyle },
  query: string,
  opts: { k: number; mode?: SearchMode; json?: boolean; verbose?: boolean },
): Promise<void> {
  const style = ctx.style ?? terminalStyle(false);
  const bar = embeddingProgressBar();
  const assistant = await createAssistant(ctx.settings, { logger: ctx.logger, onProgress: bar.onProgress }).finally(bar.stop);
  try {
    const hits = await assistant.search(query, opts.k, { mode: opts.mode });
    if (hits.length === 0) process.exitCode = 1;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(hits, null, 2)}\n`);
      return;
    }
    if (hits.length === 0) process.stdout.write("No passages matched.\n");
    hits.forEach((h, i) => {
      const section = h.section.slice(1).filter((s) => s !== h.title).join(" > ");
      // Scores and ranks are for whoever tunes retrieval; a reader wants the title and the passage.
      const ranks = (["glossary", "bm25", "dense"] as const)
        .map((r) => (h.ranks[r] ? `${r} #${h.ranks[r]} (${h.scores[r]!.toFixed(3)})` : undefined))
        .filter(Boolean)
        .join(", ");
      process.stdout.write(
        `${i + 1}. ${style.bold(h.title)}${section ? ` — ${section}` : ""}\n` +
          `   ${h.text.replace(/\s+/g, " ").slice(0, 300)}${h.text.length > 300 ? "…" : ""}\n` +
          style.dim(`   ${h.path} [${h.start}:${h.end}]${opts.verbose ? `  score ${h.score.toFixed(4)}: ${ranks}` : ""}`) +
          "\n\n",
      );
    });
  } finally {
    await assistant.close();
  }
}
