import { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import { Document } from "@langchain/core/documents";
import { buildMiniSearchIndex } from "../src/index/lexical-minisearch.ts";
import { describe, expect, it } from "vitest";
import { loadSettings } from "../src/config/settings.ts";
import { EmbedderAsLangChain } from "../src/embed/langchain.ts";
import { sha256 } from "../src/corpus/load.ts";
import { calibrationTexts } from "../src/ingest/calibration-queries.ts";
import { calibrateEf } from "../src/index/hnsw-calibrate.ts";
import { buildHnsw, exactNearest, measureRecall, randomUnitVectors } from "../src/index/hnsw-recall.ts";
import { HybridRetriever } from "../src/retrieve/retriever.ts";
import { FakeEmbedder } from "./support/fake-embedder.ts";

describe("HNSW search breadth (HNSW_EF)", () => {
  it("an index measures the smallest ef that reaches the recall target on held-out queries, where hnswlib's default ef does not", () => {
    const vectors = randomUnitVectors(4_000, 64, 1);
    const queries = randomUnitVectors(50, 64, 2);
    const index = buildHnsw(vectors);
    const calibration = calibrateEf(index, vectors, queries, 0.95);
    expect(calibration.recall).toBeGreaterThanOrEqual(0.95);
    const [atChosen, atLibraryDefault] = measureRecall(index, vectors, queries, [calibration.ef, 10], 10);
    expect(atChosen!.recall).toBeCloseTo(calibration.recall, 5);
    expect(atLibraryDefault!.recall).toBeLessThan(0.95);
    // The smallest: one step down misses the target (or there is no step down).
    if (calibration.ef > 10) expect(calibrateEf(index, vectors, queries, 1.01).ef).toBeGreaterThan(calibration.ef);
  });

  it("a published index records the ef it measured, and the retriever searches with it unless HNSW_EF overrides it", async () => {
    const embedder = new FakeEmbedder();
    const hnsw = new HNSWLib(new EmbedderAsLangChain(embedder), { space: "cosine", numDimensions: 16 });
    await hnsw.addVectors([Array.from(randomUnitVectors(1, 16, 4)[0]!)], [new Document({ pageContent: "", metadata: { id: "c1" } })]);
    const index = { chunks: [], hnsw, lexical: buildMiniSearchIndex([]), glossary: [], manifest: { hnsw: { ef: 77, recall: 1, target: 0.95, vectors: 1, queries: 1 } } };
    HybridRetriever.fromIndex(index, async () => [], loadSettings({}, process.cwd()));
    expect(hnsw.index.getEf()).toBe(77);
    HybridRetriever.fromIndex(index, async () => [], loadSettings({ HNSW_EF: "321" }, process.cwd()));
    expect(hnsw.index.getEf()).toBe(321);
  });

  it("exact search ranks a vector first for itself", () => {
    const vectors = randomUnitVectors(100, 16, 3);
    expect(exactNearest(vectors, vectors[42]!, 3)[0]).toBe(42);
  });
});

describe("the queries an index measures its HNSW breadth with", () => {
  const vocabulary = "provider analytics research offshore contract quality vendor client pricing market talent security knowledge process".split(" ");
  const word = (i: number, j: number) => `${vocabulary[(i * 7 + j * 13) % vocabulary.length]!}${(i * 31 + j * 17) % 211}`;
  const sentence = (i: number) => `The ${word(i, 1)} ${word(i, 2)} of case ${i} shapes ${word(i, 3)} and ${word(i, 4)} decisions for ${word(i, 5)} teams.`;
  const sentences = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ hash: sha256(sentence(from + i)), text: () => sentence(from + i) }));

  it("are short, question-like texts (a few words), not whole sentences", () => {
    const texts = calibrationTexts(sentences(0, 500));
    expect(texts.length).toBeGreaterThanOrEqual(150);
    for (const { text } of texts) expect(text.split(" ").length).toBeLessThanOrEqual(6);
    expect(new Set(texts.map((t) => t.hash)).size).toBe(texts.length);
  });

  it("sample a sentence repeated across documents once", () => {
    const once = calibrationTexts(sentences(0, 500)).map((t) => t.text);
    const repeated = calibrationTexts([...sentences(0, 500), ...sentences(0, 500), ...sentences(0, 500)]).map((t) => t.text);
    expect(repeated).toEqual(once);
  });

  it("keep their sample when the corpus grows a little, so a re-ingest embeds almost none of them again", () => {
    const before = new Set(calibrationTexts(sentences(0, 2_000)).map((t) => t.hash));
    const after = calibrationTexts(sentences(0, 2_020)).map((t) => t.hash);
    const changed = after.filter((h) => !before.has(h)).length;
    expect(changed).toBeLessThanOrEqual(2 * 4); // ~1% more sentences: a handful of the 100 sampled
    expect(changed).toBeLessThan(after.length / 10);
  });
});
