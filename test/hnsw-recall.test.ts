import { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import { Document } from "@langchain/core/documents";
import { buildMiniSearchIndex } from "../src/index/lexical-minisearch.ts";
import { describe, expect, it } from "vitest";
import { loadSettings } from "../src/config/settings.ts";
import { EmbedderAsLangChain } from "../src/embed/langchain.ts";
import { buildHnsw, exactNearest, measureRecall, randomUnitVectors } from "../src/index/hnsw-recall.ts";
import { HybridRetriever } from "../src/retrieve/retriever.ts";
import { FakeEmbedder } from "./support/fake-embedder.ts";

describe("HNSW search breadth (HNSW_EF)", () => {
  it("the default ef finds at least 95% of the exact top 10 on random vectors, where hnswlib's default does not", () => {
    const { HNSW_EF } = loadSettings({}, process.cwd());
    const vectors = randomUnitVectors(4_000, 64, 1);
    const queries = randomUnitVectors(50, 64, 2);
    const [atDefault, atLibraryDefault] = measureRecall(buildHnsw(vectors), vectors, queries, [HNSW_EF, 10], 10);
    expect(atDefault!.recall).toBeGreaterThanOrEqual(0.95);
    expect(atLibraryDefault!.recall).toBeLessThan(0.95);
  });

  it("exact search ranks a vector first for itself", () => {
    const vectors = randomUnitVectors(100, 16, 3);
    expect(exactNearest(vectors, vectors[42]!, 3)[0]).toBe(42);
  });

  it("the retriever searches the loaded index with the configured ef", async () => {
    const embedder = new FakeEmbedder();
    const hnsw = new HNSWLib(new EmbedderAsLangChain(embedder), { space: "cosine", numDimensions: 16 });
    await hnsw.addVectors([Array.from(randomUnitVectors(1, 16, 4)[0]!)], [new Document({ pageContent: "", metadata: { id: "c1" } })]);
    const settings = loadSettings({ HNSW_EF: "321" }, process.cwd());
    HybridRetriever.fromIndex({ chunks: [], hnsw, lexical: buildMiniSearchIndex([]), glossary: [] }, async () => [], settings);
    expect(hnsw.index.getEf()).toBe(321);
  });
});
