import { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import { Document } from "@langchain/core/documents";
import MiniSearch from "minisearch";
import { describe, expect, it } from "vitest";
import { loadSettings } from "../src/config/settings.ts";
import { EmbedderAsLangChain } from "../src/embed/langchain.ts";
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
    const index = { chunks: [], hnsw, bm25: new MiniSearch({ fields: ["text"] }), glossary: [], manifest: { hnsw: { ef: 77, recall: 1, target: 0.95, vectors: 1, queries: 1 } } };
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
