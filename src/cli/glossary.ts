import { readdir } from "node:fs/promises";
import path from "node:path";
import type { Settings } from "../config/settings.ts";
import { loadGlossary } from "../corpus/glossary.ts";
import { closestEntries } from "../retrieve/glossary-match.ts";
import type { GlossaryEntry } from "../schema/glossary.ts";
import { normalizeTerm } from "../text/terms.ts";
import { terminalStyle, type TerminalStyle } from "./terminal.ts";

/**
 * `kpo glossary [term]`: read straight from corpus/glossary (no index or model needed). A name
 * that matches no entry shows the closest one, saying so (as the web page does), and exits 0;
 * only a name with nothing close exits 1.
 */
export async function glossaryCommand(ctx: { settings: Settings; style?: TerminalStyle }, term: string | undefined, opts: { json?: boolean }): Promise<void> {
  const style = ctx.style ?? terminalStyle(false);
  const { CORPUS_DIR, rootDir } = ctx.settings;
  const sourceIds = new Set(await readdir(path.join(CORPUS_DIR, "sources")).catch(() => [] as string[]));
  const entries = (await loadGlossary(CORPUS_DIR, rootDir, sourceIds)).sort((a, b) => a.term.localeCompare(b.term));
  if (!term) {
    if (opts.json) return void process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    const width = Math.max(...entries.map((e) => e.term.length));
    for (const e of entries) process.stdout.write(`${e.term.padEnd(width)}  ${style.dim(e.aliases.join(", "))}\n`);
    process.stdout.write(`${entries.length} terms; kpo glossary <term> shows one.\n`);
    return;
  }
  const key = normalizeTerm(term);
  let entry = entries.find((e) => [e.term, ...e.aliases].map(normalizeTerm).includes(key));
  if (!entry) {
    const [closest, ...others] = closestEntries(entries, term, 4);
    if (!closest) {
      process.stderr.write(`kpo: no glossary term "${term}" and none close to it; kpo glossary lists them\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`kpo: no glossary term "${term}"; showing the closest, ${closest.term}${others.length ? ` (also close: ${others.map((e) => e.term).join(", ")})` : ""}\n`);
    entry = closest;
  }
  if (opts.json) return void process.stdout.write(`${JSON.stringify(entry, null, 2)}\n`);
  process.stdout.write(renderEntry(entry, style));
}

function renderEntry(entry: GlossaryEntry, style: TerminalStyle): string {
  return [
    style.bold(entry.term) + (entry.aliases.length ? ` (${entry.aliases.join(", ")})` : ""),
    "",
    entry.definition,
    "",
    ...(entry.related.length ? [`Related: ${entry.related.join(", ")}`] : []),
    `Sources: ${entry.sources.join(", ")}`,
    style.dim(`${entry.path} [${entry.start}:${entry.end}]`),
    "",
  ].join("\n");
}
