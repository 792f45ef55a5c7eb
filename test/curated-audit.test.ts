import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadGlossary } from "../src/corpus/glossary.ts";
import { loadTopics } from "../src/corpus/topics.ts";
import { splitSentences } from "../src/ingest/sentences.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const CORPUS = path.join(ROOT, "corpus");

interface ClaimVerdict {
  file: string;
  claim: string;
  verdict: "supported" | "not_supported" | "editorial";
}
interface GlossaryVerdict {
  file: string;
  first: string;
  verdict: "supported" | "partly" | "not_supported";
}

/**
 * The curated layer was checked claim by claim, and definition by definition, by a reader who
 * saw only the sources (test/fixtures/*-audit.json keep the verdicts and the reasons; what failed
 * was rewritten with the reader's correction or removed). A claim or definition added or changed
 * since has no verdict, and this test names it: have it checked, then record the verdict.
 */
describe("every curated claim and glossary definition answers were built from was checked against its sources", () => {
  it("each topic-note claim has a 'supported' verdict for its current wording", async () => {
    const audit = JSON.parse(readFileSync(path.join(ROOT, "test/fixtures/claims-audit.json"), "utf8")) as ClaimVerdict[];
    const verdicts = new Map(audit.map((a) => [`${a.file}\u0000${a.claim}`, a.verdict]));
    const notes = await loadTopics(CORPUS, ROOT);
    const claims = notes.flatMap((n) => n.claims.map((c) => ({ file: path.basename(n.path), claim: c.text })));
    expect(claims.length).toBeGreaterThan(100);
    const unchecked = claims.filter((c) => verdicts.get(`${c.file}\u0000${c.claim}`) !== "supported");
    expect(unchecked, "claims without a 'supported' verdict in test/fixtures/claims-audit.json").toEqual([]);
  });

  it("each glossary entry's first sentence (the one answers quote) has a 'supported' verdict", async () => {
    const audit = JSON.parse(readFileSync(path.join(ROOT, "test/fixtures/glossary-audit.json"), "utf8")) as GlossaryVerdict[];
    const verdicts = new Map(audit.map((a) => [`${a.file}\u0000${a.first}`, a.verdict]));
    const sources = new Set<string>(JSON.parse(readFileSync(path.join(CORPUS, "sources.json"), "utf8")).map((s: { file: string }) => s.file));
    const entries = await loadGlossary(CORPUS, ROOT, sources);
    expect(entries.length).toBeGreaterThan(30);
    const unchecked = entries
      .map((e) => {
        const first = splitSentences(e.definition)[0]!;
        return { file: path.basename(e.path), first: e.definition.slice(first.start, first.end) };
      })
      .filter((e) => verdicts.get(`${e.file}\u0000${e.first}`) !== "supported");
    expect(unchecked, "definitions without a 'supported' verdict in test/fixtures/glossary-audit.json").toEqual([]);
  });
});
