import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cosine } from "../src/answer/llm/similarity.ts";
import { SEMANTIC_THRESHOLD, SUPPORT_THRESHOLD, supportFor } from "../src/answer/llm/verify.ts";
import type { Embedder } from "../src/embed/embedder.ts";
import { createEmbedder } from "../src/embed/factory.ts";
import type { Chunk } from "../src/schema/passage.ts";
import pairs from "./fixtures/support-pairs.json" with { type: "json" };
import { testSettings } from "./support/assistant.ts";

/**
 * The labelled pairs the support test is calibrated on (test/fixtures/support-pairs.json): an
 * answer sentence, the passage sentence it cites, and whether the passage supports it. With the
 * real sentence embedder (USE-lite), the thresholds must keep every supported pair and reject
 * every unsupported one except those marked `knownMiss` (with the reason). The figures are
 * printed, so a change of threshold or embedder shows what it does.
 */

interface Pair {
  supported: boolean;
  sentence: string;
  passage: string;
  knownMiss?: string;
}

const chunkOf = (text: string): Chunk => ({
  id: "c",
  sourceId: "s",
  path: "p",
  title: "",
  url: null,
  section: [],
  kind: "text",
  text,
  start: 0,
  end: text.length,
  hash: "h",
  sentences: [{ start: 0, end: text.length }],
});

let embedder: Embedder;
let scored: (Pair & { similarity: number; lexical: ReturnType<typeof supportFor> })[];

beforeAll(async () => {
  embedder = createEmbedder(testSettings());
  const list = pairs as Pair[];
  const vectors = await embedder.embed(list.flatMap((p) => [p.sentence, p.passage]));
  scored = list.map((p, i) => ({ ...p, similarity: cosine(vectors[2 * i]!, vectors[2 * i + 1]!), lexical: supportFor(p.sentence, chunkOf(p.passage)) }));
}, 60_000);
afterAll(async () => {
  await embedder?.close?.();
});

describe("support thresholds, calibrated on labelled pairs", () => {
  it("keep every supported pair and reject every unsupported one but the known misses", () => {
    const verdict = (p: (typeof scored)[number]) => p.lexical.supported && p.similarity >= SEMANTIC_THRESHOLD;
    const rows = scored.map((p) => `${p.supported ? "supported  " : "unsupported"} sim ${p.similarity.toFixed(3)} words ${p.lexical.ratio.toFixed(2)} ${p.lexical.reason ?? "ok"} -> ${verdict(p) ? "keep" : "drop"}  ${p.sentence}`);
    console.log(`SUPPORT_THRESHOLD ${SUPPORT_THRESHOLD}, SEMANTIC_THRESHOLD ${SEMANTIC_THRESHOLD}\n${rows.join("\n")}`);

    expect(scored.filter((p) => p.supported && !verdict(p)).map((p) => p.sentence)).toEqual([]);
    expect(scored.filter((p) => !p.supported && verdict(p)).map((p) => p.sentence)).toEqual(scored.filter((p) => p.knownMiss).map((p) => p.sentence));
  });

  it("the semantic threshold sits between the supported pairs and the unsupported ones that share the passage's words", () => {
    const supported = scored.filter((p) => p.supported).map((p) => p.similarity);
    const lexicalOnly = scored.filter((p) => !p.supported && p.lexical.supported && !p.knownMiss).map((p) => p.similarity);
    // What the semantic check is for: claims built from the passage's own words.
    expect(lexicalOnly.length).toBeGreaterThanOrEqual(2);
    expect(Math.min(...supported)).toBeGreaterThan(SEMANTIC_THRESHOLD);
    expect(Math.max(...lexicalOnly)).toBeLessThan(SEMANTIC_THRESHOLD);
  });

  it("negation, names and numbers catch what word overlap and meaning miss", () => {
    const reasons = Object.fromEntries(scored.filter((p) => !p.supported).map((p) => [p.sentence, p.lexical.reason ?? "ok"]));
    expect(reasons["KPO is not a subset of BPO."]).toBe("negation");
    expect(reasons["KPO firms in India employed exactly 8,437,219 analysts in 2019."]).toBe("number_missing");
    expect(reasons["KPO is mostly done in India because wages are lower."]).toBe("name_missing");
  });
});
