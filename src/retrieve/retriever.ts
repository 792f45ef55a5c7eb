import type { VectorStoreInterface } from "@langchain/core/vectorstores";
import type { Settings } from "../config/settings.ts";
import type { LexicalIndex } from "../index/lexical.ts";
import type { Chunk, Passage, RetrieverName, SearchMode } from "../schema/passage.ts";
import { reciprocalRankFusion, scoreFusion, type RankedList } from "./fuse.ts";
import { GlossaryMatcher } from "./glossary-match.ts";
import type { LoadedIndex } from "../index/store.ts";

export interface RetrieverDeps {
  chunks: Chunk[];
  /** Any LangChain vector store whose documents carry `metadata.id` (the chunk id); HNSWLib locally. */
  dense: VectorStoreInterface;
  /** True when the store's scores are distances (lower is closer), as HNSWLib's cosine space reports. */
  denseScoresAreDistances?: boolean;
  /** A chunk's stored vector (unit length), so score fusion can weigh the dense side's view of every candidate. */
  vectorOf?: (chunkId: string) => ArrayLike<number> | undefined;
  /** BM25 over text, title, section and glossary terms, typo-tolerant (SQLite FTS5 locally). */
  lexical: LexicalIndex;
  glossary: GlossaryMatcher;
  embedQuery: (text: string) => Promise<number[]>;
  settings: Pick<Settings, "RRF_K" | "WEIGHT_GLOSSARY" | "WEIGHT_DENSE" | "WEIGHT_BM25" | "HNSW_EF" | "FUSION">;
}

export interface RetrieveOptions {
  k?: number;
  /** Which retrievers run (default hybrid: all whose weight is above 0). */
  mode?: SearchMode;
  /** Leave a retriever out (benchmarks compare BM25 only, dense only and hybrid); narrows `mode`. */
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

/** How deep each retriever looks before fusion, at least: a request for more passages looks as deep as it asks. */
const CANDIDATES = 60;

/** The retrievers each mode runs. */
const MODE_RETRIEVERS: Record<SearchMode, RetrieverName[]> = {
  lexical: ["glossary", "bm25"],
  dense: ["dense"],
  hybrid: ["glossary", "bm25", "dense"],
};

/**
 * Hybrid retrieval: glossary alias match + dense (HNSW) + BM25 (fuzzy, prefix), fused by weighted
 * scores (FUSION=score, the default) or reciprocal ranks (FUSION=rrf). A retriever that the mode
 * leaves out or whose weight is 0 does not run. Results carry each retriever's rank and score.
 */
export class HybridRetriever implements Retriever {
  private readonly byId: Map<string, Chunk>;

  /** The retriever over a loaded index: one way to build it for the assistant and the benchmarks. */
  static fromIndex(index: Pick<LoadedIndex, "chunks" | "hnsw" | "lexical" | "glossary"> & { manifest?: Pick<LoadedIndex["manifest"], "hnsw"> }, embedQuery: (text: string) => Promise<number[]>, settings: RetrieverDeps["settings"]): HybridRetriever {
    // hnswlib searches with max(ef, k); its default ef (10) and our k (60) miss true neighbours
    // at size. The index measured the ef its recall target needs; HNSW_EF overrides it.
    index.hnsw.index.setEf(settings.HNSW_EF ?? index.manifest?.hnsw?.ef ?? UNMEASURED_EF);
    return new HybridRetriever({ chunks: index.chunks, dense: index.hnsw, denseScoresAreDistances: true, vectorOf: storedVectors(index.hnsw), lexical: index.lexical, glossary: new GlossaryMatcher(index.glossary), embedQuery, settings });
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
    const depth = Math.max(CANDIDATES, k);
    const { settings } = this.deps;
    const weights: Record<RetrieverName, number> = { glossary: settings.WEIGHT_GLOSSARY, bm25: settings.WEIGHT_BM25, dense: settings.WEIGHT_DENSE };
    const use = (name: RetrieverName) => MODE_RETRIEVERS[options.mode ?? "hybrid"].includes(name) && (!options.only || options.only.includes(name)) && weights[name] > 0;
    const lists: RankedList[] = [];
    if (use("glossary")) {
      const matches = this.deps.glossary.match(query);
      lists.push({
        name: "glossary",
        weight: weights.glossary,
        items: matches.map((m) => ({ id: `glossary:${m.entry.slug}`, score: m.matched.split(" ").length })),
      });
    }
    // Asked before the query is embedded: an index searched on its own thread works meanwhile.
    const lexicalHits = use("bm25") ? this.deps.lexical.search(query, depth) : undefined;
    const vector = use("dense") && query.trim() ? (options.vector ?? (await this.deps.embedQuery(query))) : undefined;
    if (lexicalHits) lists.push({ name: "bm25", weight: weights.bm25, items: await lexicalHits });
    if (vector) {
      const hits = await this.deps.dense.similaritySearchVectorWithScore(vector, Math.min(depth, this.deps.chunks.length));
      // HNSWLib reports cosine distance; 1 - distance is the similarity people expect.
      const similarity = (score: number) => (this.deps.denseScoresAreDistances ? 1 - score : score);
      lists.push({
        name: "dense",
        weight: weights.dense,
        items: hits.map(([doc, score]) => ({ id: String(doc.metadata.id), score: similarity(score) })),
        absolute: true,
        scoreOf: this.cosineTo(vector),
      });
    }
    const fused = settings.FUSION === "rrf" ? reciprocalRankFusion(lists, settings.RRF_K) : scoreFusion(lists);
    return fused.slice(0, k).flatMap((f) => {
      const chunk = this.byId.get(f.id);
      return chunk ? [{ ...chunk, score: f.score, ranks: f.ranks, scores: f.scores }] : [];
    });
  }

  /** Cosine between the query and a chunk's stored vector, for candidates the dense search did not return. */
  private cosineTo(vector: number[]): ((id: string) => number | undefined) | undefined {
    const { vectorOf } = this.deps;
    if (!vectorOf) return undefined;
    const norm = Math.hypot(...vector);
    return (id) => {
      const point = vectorOf(id);
      if (!point || !norm) return undefined;
      let dot = 0;
      let pointNorm = 0;
      for (let i = 0; i < vector.length; i++) {
        dot += vector[i]! * point[i]!;
        pointNorm += point[i]! * point[i]!;
      }
      return pointNorm ? dot / norm / Math.sqrt(pointNorm) : undefined;
    };
  }
}

/** A chunk's vector as the HNSW graph stores it, looked up by chunk id through the docstore's labels. */
function storedVectors(hnsw: LoadedIndex["hnsw"]): (chunkId: string) => number[] | undefined {
  let labels: Map<string, number> | undefined;
  return (chunkId) => {
    // Built on first use: a large index's docstore is walked once, not at every start.
    labels ??= new Map([...(hnsw.docstore as unknown as { _docs: Map<string, { metadata: { id: string } }> })._docs].map(([label, doc]) => [String(doc.metadata.id), Number(label)]));
    const label = labels.get(chunkId);
    return label === undefined ? undefined : hnsw.index.getPoint(label);
  };
}
