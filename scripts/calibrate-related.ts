/**
 * Calibrates RELATED_FLOOR (src/answer/related.ts): for each question of a labelled file
 * (default eval/related-terms.jsonl: `{question, related: [glossary slugs]}`, `related` empty
 * for a question the corpus does not touch), the glossary entries above each candidate floor
 * that the question does not name, against the entries a curator called related. Prints
 * precision, recall and how many unrelated questions would still get a suggestion.
 *
 *   npm run calibrate:related -- [--file eval/related-terms.jsonl]
 */
import { readFile } from "node:fs/promises";
import { Command } from "commander";
import { z } from "zod";
import { Knowledge } from "../src/answer/deterministic/knowledge.ts";
import { indexGlossary, RELATED_FLOOR, RELATED_MARGIN, relatedTerms } from "../src/answer/related.ts";
import { loadSettings } from "../src/config/settings.ts";
import { withQueryBatching } from "../src/embed/batching.ts";
import { createEmbedder } from "../src/embed/factory.ts";
import { table } from "../src/eval/format.ts";
import { ensureIndex } from "../src/ingest/ensure.ts";
import { GlossaryMatcher } from "../src/retrieve/glossary-match.ts";

const program = new Command()
  .name("calibrate:related")
  .option("--file <path>", "labelled questions (JSONL: question, related)", "eval/related-terms.jsonl")
  .parse();
const { file } = program.opts<{ file: string }>();

const lineSchema = z.object({ question: z.string(), related: z.array(z.string()) });
const labelled = (await readFile(file, "utf8")).split("\n").filter((l) => l.trim()).map((l) => lineSchema.parse(JSON.parse(l)));

const settings = loadSettings();
const embedder = withQueryBatching(createEmbedder(settings));
const { index } = await ensureIndex(settings, embedder, { info: (m) => console.error(m) });
const glossary = indexGlossary(new Knowledge(index));
const matcher = new GlossaryMatcher(index.glossary);
for (const l of labelled) for (const slug of l.related) if (!index.glossary.some((e) => e.slug === slug)) throw new Error(`${file}: no glossary entry ${slug}`);

const scored = await Promise.all(
  labelled.map(async (l) => {
    const named = new Set(matcher.match(l.question).map((m) => m.entry.slug));
    const vector = await embedder.embedQuery(l.question);
    const candidates = relatedTerms({ vector }, glossary, { floor: -1, margin: Infinity, limit: Infinity }).filter((r) => !named.has(r.slug));
    return { ...l, expected: l.related.filter((s) => !named.has(s)), candidates };
  }),
);

const unrelated = scored.filter((q) => q.related.length === 0).length;
const rows: string[][] = [];
for (const margin of [Infinity, RELATED_MARGIN]) {
  for (let floor = 0.4; floor <= 0.601; floor += 0.05) {
    let suggested = 0;
    let right = 0;
    let expected = 0;
    let noisy = 0;
    for (const q of scored) {
      const best = q.candidates[0]?.score ?? 0;
      const above = q.candidates.filter((c) => c.score >= floor && c.score >= best - margin).slice(0, 3);
      suggested += above.length;
      right += above.filter((c) => q.expected.includes(c.slug)).length;
      expected += Math.min(3, q.expected.length);
      if (q.related.length === 0 && above.length) noisy++;
    }
    const current = Math.abs(floor - RELATED_FLOOR) < 1e-9 && margin === RELATED_MARGIN;
    rows.push([
      `${floor.toFixed(2)}${current ? " (current)" : ""}`,
      margin === Infinity ? "none" : margin.toFixed(2),
      suggested ? (right / suggested).toFixed(2) : "-",
      expected ? (right / expected).toFixed(2) : "-",
      `${noisy} of ${unrelated}`,
    ]);
  }
}
console.log(`Related-term floor on ${file}: ${scored.length} questions, ${embedder.id}; entries the question names are left out (always suggested)\n`);
console.log(table(["floor", "margin", "precision", "recall", "unrelated questions with a suggestion"], rows, [false, true, true, true, true]));
await embedder.close?.();
