import { readdir } from "node:fs/promises";
import path from "node:path";
import type { Settings } from "../config/settings.ts";
import { loadGlossary } from "../corpus/glossary.ts";
import { editDistance } from "../answer/deterministic/knowledge.ts";
import { normalizeTerm } from "../text/terms.ts";

/** `kpo glossary [term]`: read straight from corpus/glossary (no index or model needed). */
export async function glossaryCommand(ctx: { settings: Settings }, term: string | undefined, opts: { json?: boolean }): Promise<void> {
  const { CORPUS_DIR, rootDir } = ctx.settings;
  const sourceIds = new Set(await readdir(path.join(CORPUS_DIR, "sources")).catch(() => [] as string[]));
  const entries = (await loadGlossary(CORPUS_DIR, rootDir, sourceIds)).sort((a, b) => a.term.localeCompare(b.term));
  if (!term) {
    if (opts.json) return void process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    const width = Math.max(...entries.map((e) => e.term.length));
    for (const e of entries) process.stdout.write(`${e.term.padEnd(width)}  ${e.aliases.join(", ")}\n`);
    process.stdout.write(`${entries.length} terms; kpo glossary <term> shows one.\n`);
    return;
  }
  const key = normalizeTerm(term);
  const names = (e: (typeof entries)[number]) => [e.term, ...e.aliases].map(normalizeTerm);
  const entry = entries.find((e) => names(e).includes(key));
  if (!entry) {
    const close = entries
      .map((e) => ({ e, d: Math.min(...names(e).map((n) => (n.startsWith(key) ? 0 : editDistance(key, n, 8)))) }))
      .filter((s) => s.d <= Math.max(2, Math.floor(key.length / 3)))
      .sort((a, b) => a.d - b.d)
      .slice(0, 5)
      .map((s) => s.e.term);
    process.stderr.write(`kpo: no glossary term "${term}"${close.length ? `; did you mean: ${close.join(", ")}?` : "; kpo glossary lists them"}\n`);
    process.exitCode = 1;
    return;
  }
  if (opts.json) return void process.stdout.write(`${JSON.stringify(entry, null, 2)}\n`);
  process.stdout.write(
    [
      entry.term + (entry.aliases.length ? ` (${entry.aliases.join(", ")})` : ""),
      "",
      entry.definition,
      "",
      ...(entry.related.length ? [`Related: ${entry.related.join(", ")}`] : []),
      `Sources: ${entry.sources.join(", ")}`,
      `${entry.path} [${entry.start}:${entry.end}]`,
      "",
    ].join("\n"),
  );
}
