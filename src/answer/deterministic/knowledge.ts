import type { LoadedIndex } from "../../index/store.ts";
import type { GlossaryEntry } from "../../schema/glossary.ts";
import type { Chunk, Span } from "../../schema/passage.ts";
import { spanText } from "../citations.ts";
import { contentTerms, stem, STOPWORDS, words } from "../../text/terms.ts";

export interface Sentence {
  /** Position in the index-wide sentence list (and row of the sentence vector matrix). */
  index: number;
  chunk: Chunk;
  /** Position inside chunk.sentences. */
  position: number;
  span: Span;
  text: string;
  terms: Set<string>;
}

/** Sentence-level view of the index used by the answer composer: terms, IDF, vectors, vocabulary. */
export class Knowledge {
  readonly sentences: Sentence[] = [];
  readonly sentencesByChunk = new Map<string, Sentence[]>();
  readonly glossaryBySlug: Map<string, GlossaryEntry>;
  readonly chunksById: Map<string, Chunk>;
  readonly chunks: Chunk[];
  /** The curated claims of the topic notes, one chunk each. */
  readonly claims: Chunk[];
  private readonly idf = new Map<string, number>();
  readonly maxIdf: number;
  readonly vocabulary: Set<string>;
  /** Surface words of the corpus (lower case) and their stems, to correct typos before stemming mangles them. */
  private readonly surface = new Map<string, string>();
  /** The surface words in a fixed order, so typo resolution is deterministic. */
  private readonly surfaceWords: string[];
  private readonly vectors: Float32Array;
  private readonly dimensions: number;

  constructor(index: Pick<LoadedIndex, "chunks" | "glossary" | "sentenceVectors" | "manifest">) {
    this.vectors = index.sentenceVectors;
    this.dimensions = index.manifest.embedder.dimensions;
    this.glossaryBySlug = new Map(index.glossary.map((g) => [g.slug, g]));
    this.chunksById = new Map(index.chunks.map((c) => [c.id, c]));
    this.chunks = index.chunks;
    this.claims = index.chunks.filter((c) => c.kind === "topic");
    const df = new Map<string, number>();
    const claimDf = new Map<string, number>();
    for (const chunk of index.chunks) {
      const list: Sentence[] = [];
      chunk.sentences.forEach((span, position) => {
        const text = spanText(chunk, span);
        // A claim also answers to the words of the passages it rests on and the tasks it names.
        const claimWords = chunk.claim ? ` ${chunk.claim.tasks.join(" ")} ${chunk.claim.evidence.map((e) => e.quote).join(" ")}` : "";
        const terms = new Set(contentTerms(text + claimWords));
        // Function words are no spelling targets: "three" is not a typo of "there".
        for (const w of words(text)) if (w.length >= 4 && !STOPWORDS.has(w) && !this.surface.has(w)) this.surface.set(w, stem(w));
        const sentence = { index: this.sentences.length, chunk, position, span, text, terms };
        this.sentences.push(sentence);
        list.push(sentence);
        // Document frequency counts the sources: claims restate them and would skew rarity. Words only the
        // claims use (everyday words such as "deadline") take their frequency among the claims.
        if (!chunk.claim) for (const t of terms) df.set(t, (df.get(t) ?? 0) + 1);
        else for (const t of terms) claimDf.set(t, (claimDf.get(t) ?? 0) + 1);
      });
      this.sentencesByChunk.set(chunk.id, list);
      for (const t of contentTerms(chunk.section.join(" "))) df.set(t, df.get(t) ?? 1);
    }
    for (const [t, f] of claimDf) if (!df.has(t)) df.set(t, f);
    const n = this.sentences.filter((x) => !x.chunk.claim).length;
    for (const [t, f] of df) this.idf.set(t, Math.log(1 + n / Math.max(f, 1)));
    this.maxIdf = Math.log(1 + n);
    this.vocabulary = new Set(df.keys());
    this.surfaceWords = [...this.surface.keys()].sort();
  }

  /** The indexed source passage that holds a span of a source file (where a claim's evidence is quoted from). */
  passageHolding(path: string, span: Span): Chunk | undefined {
    return this.chunks.find((c) => c.path === path && c.kind !== "topic" && c.start <= span.start && span.end <= c.end);
  }

  /** Rarity of a term; terms the corpus never uses weigh the most, so a question about them cannot be "covered". */
  idfOf(term: string): number {
    return this.idf.get(term) ?? this.maxIdf;
  }

  /** Cosine similarity between a query vector and a sentence vector. */
  similarity(query: number[], sentence: Sentence): number {
    return cosine(query, this.vectors, sentence.index * this.dimensions, this.dimensions);
  }

  /** Cosine similarity between two sentences (for de-duplication and diversity). */
  between(a: Sentence, b: Sentence): number {
    const d = this.dimensions;
    return cosine(Array.from(this.vectors.subarray(a.index * d, a.index * d + d)), this.vectors, b.index * d, d);
  }

  /**
   * Maps a query word to a corpus term: its own stem when the corpus uses it, else the stem
   * of the closest corpus word within a small edit distance ("securty" -> "security" ->
   * "secur"), else undefined when the corpus never uses anything like it. Typos are matched on
   * surface words, since stemming a misspelling can move it further from the right stem.
   */
  resolve(word: string): string | undefined {
    const own = stem(word);
    if (this.vocabulary.has(own)) return own;
    const closest = this.closestWord(word);
    return closest === undefined ? undefined : this.surface.get(closest);
  }

  /** The word as the corpus spells it: itself when the corpus uses its stem, else the closest corpus word, else itself. */
  spell(word: string): string {
    return this.vocabulary.has(stem(word)) ? word : (this.closestWord(word) ?? word);
  }

  private closestWord(word: string): string | undefined {
    if (word.length < 5 || /\d/.test(word)) return undefined;
    const budget = word.length >= 9 ? 2 : 1;
    let best: string | undefined;
    let bestDistance = budget + 1;
    for (const candidate of this.surfaceWords) {
      if (Math.abs(candidate.length - word.length) > budget) continue;
      const d = editDistance(word, candidate, budget);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best;
  }
}

function cosine(a: number[], matrix: Float32Array, offset: number, d: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < d; i++) {
    const x = a[i]!;
    const y = matrix[offset + i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * Edit distance counting a swap of two neighbouring letters as one edit (optimal string
 * alignment), the commonest typo ("bneefits"), with an early exit once it exceeds `limit`.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, before[j - 2]! + 1);
      row.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > limit) return limit + 1;
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}
