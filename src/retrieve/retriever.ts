import type { VectorStoreInterface } from "@langchain/core/vectorstores";
import type { Settings } from "../config/settings.ts";
import type { LexicalIndex } from "../index/lexical.ts";
import type { Chunk, Passage, RetrieverName } from "../schema/passage.ts";
import { reciprocalRankFusion, type RankedList } from "./fuse.ts";
import { GlossaryMatcher } from "./glossary-match.ts";
import type { LoadedIndex } from "../index/store.ts";

export interface RetrieverDeps {
  chunks: Chunk[];
  /** Any LangChain vector store whose documents carry `metadata.id` (the chunk id); HNSWLib locally. */
  dense: VectorStoreInterface;
  /** True when the store's scores are distances (lower is closer), as HNSWLib's cosine space reports. */
  denseScoresAreDistances?: boolean;
  /** BM25 over text, section and glossary terms, typo-tolerant (SQLite FTS5 locally). */
  lexical: LexicalIndex;
  glossary: GlossaryMatcher;
  embedQuery: (text: string) => Promise<number[]>;
  settings: Pick<Settings, "RRF_K" | "WEIGHT_GLOSSARY" | "WEIGHT_DENSE" | "WEIGHT_BM25" | "HNSW_EF">;
}

export interface RetrieveOptions {
  k?: number;
  /** Leave a retriever out (benchmarks compare BM25 only, dense only and hybrid). */
  only?: RetrieverName[];
  /** The query's embedding when the caller already has it (the answer service reuses it). */
  vector?: number[];
}

/** The retrieval seam the answer service depends on (hybrid locally; any ranked passage source fits). */
export interface Retriever {
  retrieve(query: string, options?: RetrieveOptions): Promise<Passage[]>;
}

/** For an index that did not measure its own: recall@10 0.95 on 20,000 random 512-d vectors, the hard case (`npm run bench:hnsw`). */
const UNMEASURED_EF = 1200;

/** How deep each retriever looks before fusion. */
const CANDIDATES = 60;

/**
 * Hybrid retrieval: glossary alias match + dense (HNSW) + BM25 (fuzzy, prefix), fused with
 * weighted reciprocal rank fusion. Results carry each retriever's rank and score.
 */
export class HybridRetriever implements Retriever {
  private readonly byId: Map<string, Chunk>;

  /** The retriever over a loaded index: one way to build it for the assistant and the benchmarks. */
  static fromIndex(index: Pick<LoadedIndex, "chunks" | "hnsw" | "lexical" | "glossary"> & { manifest?: Pick<LoadedIndex["manifest"], "hnsw"> }, embedQuery: (text: string) => Promise<number[]>, settings: RetrieverDeps["settings"]): HybridRetriever {
    // hnswlib searches with max(ef, k); its default ef (10) and our k (60) miss true neighbours
    // at size. The index measured the ef its recall target needs; HNSW_EF overrides it.
    index.hnsw.index.setEf(settings.HNSW_EF ?? index.manifest?.hnsw?.ef ?? UNMEASURED_EF);
    return new HybridRetriever({ chunks: index.chunks, dense: index.hnsw, denseScoresAreDistances: true, lexical: index.lexical, glossary: new GlossaryMatcher(index.glossary), embedQuery, settings });
  }

  private readonly deps: RetrieverDeps;

  constructor(deps: RetrieverDeps) {
    this.deps = deps;
    this.byId = new Map(deps.chunks.map((c) => [c.id, c]));
  }

  get glossary(): GlossaryMatcher {
    return this.deps.glossary;
  }

  async retrieve(query: string, options: RetrieveOptions = {}): Promise<Passage[]> {
    const k = options.k ?? 8;
    const use = (name: RetrieverName) => !options.only || options.only.includes(name);
    const { settings } = this.deps;
    const lists: RankedList[] = [];
    if (use("glossary")) {
      const matches = this.deps.glossary.match(query);
      lists.push({
        name: "glossary",
        weight: settings.WEIGHT_GLOSSARY,
        items: matches.map((m) => ({ id: `glossary:${m.entry.slug}`, score: m.matched.split(" ").length })),
      });
    }
    // Asked before the query is embedded: an index searched on its own thread works meanwhile.
    const lexicalHits = use("bm25") ? this.deps.lexical.search(query, CANDIDATES) : undefined;
    const vector = use("dense") && query.trim() ? (options.vector ?? (await this.deps.embedQuery(query))) : undefined;
    if (lexicalHits) lists.push({ name: "bm25", weight: settings.WEIGHT_BM25, items: await lexicalHits });
    if (vector) {
      const hits = await this.deps.dense.similaritySearchVectorWithScore(vector, Math.min(CANDIDATES, this.deps.chunks.length));
      // HNSWLib reports cosine distance; 1 - distance is the similarity people expect.
      const similarity = (score: number) => (this.deps.denseScoresAreDistances ? 1 - score : score);
      lists.push({
        name: "dense",
        weight: settings.WEIGHT_DENSE,
        items: hits.map(([doc, score]) => ({ id: String(doc.metadata.id), score: similarity(score) })),
      });
    }
    return reciprocalRankFusion(lists, settings.RRF_K)
      .slice(0, k)
      .flatMap((f) => {
        const chunk = this.byId.get(f.id);
        return chunk ? [{ ...chunk, score: f.score, ranks: f.ranks, scores: f.scores }] : [];
      });
  }
}
