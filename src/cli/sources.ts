import type { Logger } from "pino";
import { createAssistant } from "../assistant.ts";
import type { Settings } from "../config/settings.ts";
import { embeddingProgressBar } from "./progress.ts";
import { terminalStyle, type TerminalStyle } from "./terminal.ts";

/** `kpo sources`: the documents in the index (id, title, kind, chunks): what `kpo remove` takes and answers cite. */
export async function sourcesCommand(ctx: { settings: Settings; logger: Logger; style?: TerminalStyle }, opts: { json?: boolean }): Promise<void> {
  const style = ctx.style ?? terminalStyle(false);
  const bar = embeddingProgressBar();
  const assistant = await createAssistant(ctx.settings, { logger: ctx.logger, onProgress: bar.onProgress }).finally(bar.stop);
  try {
    const sources = [...assistant.sources.list()].sort((a, b) => a.id.localeCompare(b.id));
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(sources, null, 2)}\n`);
      return;
    }
    const rows = sources.map((s) => [s.id, s.title + (s.publisher ? style.dim(` (${s.publisher})`) : ""), s.kind.replace(/-/g, " ") + (s.pages ? `, ${s.pages} pages` : ""), String(s.chunks)]);
    const header = ["id", "title", "kind", "chunks"];
    const visible = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "").length;
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i]!))));
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c.padStart(widths[i]!) : c + " ".repeat(widths[i]! - visible(c)))).join("  ").trimEnd();
    process.stdout.write(`${style.bold(line(header))}\n${rows.map(line).join("\n")}\n`);
    process.stdout.write(style.dim(`${sources.length} document${sources.length === 1 ? "" : "s"}; kpo remove <id> takes one out, kpo add <file> adds one.`) + "\n");
  } finally {
    await assistant.close();
  }
}
