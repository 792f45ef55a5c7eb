import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Assistant } from "../src/assistant.ts";
import { GlossaryMatcher } from "../src/retrieve/glossary-match.ts";
import { rankedSources as sourcesOf } from "../src/eval/score.ts";
import { reciprocalRankFusion, scoreFusion } from "../src/retrieve/fuse.ts";
import { REPO_ROOT, sharedTestAssistant } from "./support/assistant.ts";

interface DevQuestion {
  id: string;
  question: string;
  expected_sources: string[];
  expected_behavior: string;
}

const dev = readFileSync(path.join(REPO_ROOT, "eval/dev.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as DevQuestion);

let assistant: Assistant;
beforeAll(async () => {
  assistant = await sharedTestAssistant();
});

/** Sources of the ranked document passages (a claim stands for the documents its evidence quotes; glossary entries for none), first occurrence only. */
async function rankedSources(question: string): Promise<string[]> {
  const hits = await assistant.search(question, 40);
  return sourcesOf(hits);
}

describe("hybrid retrieval on the real corpus with the real model", () => {
  it("puts an expected source in the top 3 for at least 90% of the answerable dev questions", async () => {
    const answerable = dev.filter((q) => q.expected_behavior === "answer");
    let hits = 0;
    const misses: string[] = [];
    for (const q of answerable) {
      const top3 = (await rankedSources(q.question)).slice(0, 3);
      if (top3.some((s) => q.expected_sources.includes(s))) hits++;
      else misses.push(q.id);
    }
    expect(hits / answerable.length, `misses: ${misses.join(", ")}`).toBeGreaterThanOrEqual(0.9);
  });

  it("reports each retriever's rank and score on every result", async () => {
    const hits = await assistant.search("what are the risks of KPO", 10);
    expect(hits.length).toBe(10);
    for (const h of hits) {
      const names = Object.keys(h.ranks);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(typeof h.scores[name as keyof typeof h.scores]).toBe("number");
    }
    expect(hits.some((h) => h.ranks.dense !== undefined)).toBe(true);
    expect(hits.some((h) => h.ranks.bm25 !== undefined)).toBe(true);
    const scores = hits.map((h) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it.each([["kpo"], ["K.P.O."], ["KPO's"], ["kpos"], ["Knowledge-Process Outsourcing"]])("matches the glossary entry for %s by alias", async (query) => {
    const hits = await assistant.search(query, 3);
    expect(hits[0]!.id).toBe("glossary:knowledge-process-outsourcing");
    expect(hits[0]!.ranks.glossary).toBe(1);
  });

  it("tolerates typos in ordinary words", async () => {
    const hits = await assistant.search("securty risks of outsorcing", 8);
    expect(hits.some((h) => h.sourceId === "003_9a5fc89310b847aa.txt" || h.sourceId === "000_07027fcb20a76bf4.txt")).toBe(true);
    expect(hits.some((h) => h.ranks.bm25 !== undefined && /secur/i.test(h.text))).toBe(true);
  });

  it("runs only the retrievers of the mode asked for, and returns up to 100 passages", async () => {
    const lexical = await assistant.search("what are the risks of KPO", 10, { mode: "lexical" });
    expect(lexical.every((h) => h.ranks.dense === undefined && h.scores.dense === undefined)).toBe(true);
    expect(lexical.some((h) => h.ranks.bm25 !== undefined)).toBe(true);
    const dense = await assistant.search("what are the risks of KPO", 10, { mode: "dense" });
    expect(dense.every((h) => Object.keys(h.ranks).join() === "dense")).toBe(true);
    expect((await assistant.search("outsourcing", 100)).length).toBe(100);
  });

  it("never returns boilerplate such as navigation or affiliate disclosures", async () => {
    for (const q of ["tesla stock", "affiliate commission advertising", "Roth IRA 401(k)", "newsletter inbox"]) {
      for (const h of await assistant.search(q, 10)) {
        expect(h.text).not.toMatch(/Tesla \(TSLA\)|affiliate|Roth IRA|in your inbox|delivered daily/i);
      }
    }
  });
});

describe("glossary alias matching", () => {
  const entries = [
    { slug: "information-technology", term: "Information technology", aliases: ["IT"], related: [], sources: ["x.txt"], definition: "d", path: "p", start: 0, end: 1 },
    { slug: "business-process-outsourcing", term: "Business process outsourcing", aliases: ["BPO"], related: [], sources: ["x.txt"], definition: "d", path: "p", start: 0, end: 1 },
  ];
  const matcher = new GlossaryMatcher(entries);

  it("matches an acronym that is also an ordinary word only when typed in capitals", () => {
    expect(matcher.match("is it expensive?").map((m) => m.entry.slug)).toEqual([]);
    expect(matcher.match("how does IT relate to BPO").map((m) => m.entry.slug).sort()).toEqual(["business-process-outsourcing", "information-technology"]);
  });

  it("prefers the longest match and ignores punctuation and possessives", () => {
    expect(matcher.match("the b.p.o.'s main job").map((m) => m.entry.slug)).toEqual(["business-process-outsourcing"]);
    expect(matcher.match("Business-process outsourcing firms")[0]!.matched).toBe("business process outsourcing");
  });
});

describe("reciprocal rank fusion", () => {
  it("rewards agreement between retrievers and breaks ties by id", () => {
    const fused = reciprocalRankFusion(
      [
        { name: "bm25", weight: 1, items: [{ id: "a", score: 9 }, { id: "b", score: 5 }] },
        { name: "dense", weight: 1, items: [{ id: "b", score: 0.9 }, { id: "c", score: 0.8 }] },
      ],
      10,
    );
    expect(fused.map((f) => f.id)).toEqual(["b", "a", "c"]);
    expect(fused[0]!.ranks).toEqual({ bm25: 2, dense: 1 });
    const tie = reciprocalRankFusion([{ name: "bm25", weight: 1, items: [{ id: "y", score: 1 }] }, { name: "dense", weight: 1, items: [{ id: "x", score: 1 }] }], 10);
    expect(tie.map((f) => f.id)).toEqual(["x", "y"]);
  });
});

describe("score fusion", () => {
  it("scales rank-only scores to their best, takes cosines as they are, and weighs candidates a list did not rank by its scoreOf", () => {
    const cosines: Record<string, number> = { a: 0.1, b: 0.8, c: 0.5 };
    const fused = scoreFusion([
      { name: "bm25", weight: 1, items: [{ id: "a", score: 12 }, { id: "b", score: 6 }] },
      { name: "dense", weight: 0.5, absolute: true, items: [{ id: "c", score: 0.5 }], scoreOf: (id) => cosines[id] },
    ]);
    expect(fused.map((f) => [f.id, Number(f.score.toFixed(3))])).toEqual([
      ["a", 1.05],
      ["b", 0.9],
      ["c", 0.25],
    ]);
    expect(fused[1]!.ranks).toEqual({ bm25: 2 });
    expect(fused[1]!.scores).toEqual({ bm25: 6, dense: 0.8 });
  });
});
