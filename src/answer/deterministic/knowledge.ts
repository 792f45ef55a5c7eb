import type { LoadedIndex } from "../../index/store.ts";
import type { SentenceVectors } from "../../index/sentence-vectors.ts";
import type { GlossaryEntry } from "../../schema/glossary.ts";
import type { Chunk, Span } from "../../schema/passage.ts";
import { computeTermStats, sentenceTerms } from "../../index/term-stats.ts";
import { spanText } from "../../schema/passage.ts";
import { contentTerms, stem } from "../../text/terms.ts";
import type { AnswerType } from "./asks.ts";
import { factSpans } from "./entities.ts";
import { namesEntry } from "./names.ts";
import type { Located } from "./units.ts";

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

/**
 * The sentences of each chunk, built on first use: a question touches a few dozen passages,
 * so a large index is not read sentence by sentence at start-up.
 */
export class SentencesByChunk {
  private readonly built = new Map<string, Sentence[]>();
  private readonly chunksById: Map<string, Chunk>;
  /** Row of each chunk's first sentence in the sentence vector matrix. */
  private readonly firstRow: Map<string, number>;

  constructor(
    chunksById: Map<string, Chunk>,
    firstRow: Map<string, number>,
  ) {
    this.chunksById = chunksById;
    this.firstRow = firstRow;
  }

  get(chunkId: string): Sentence[] | undefined {
    let list = this.built.get(chunkId);
    if (list) return list;
    const chunk = this.chunksById.get(chunkId);
    if (!chunk) return undefined;
    const first = this.firstRow.get(chunkId)!;
    list = chunk.sentences.map((span, position) => {
      const text = spanText(chunk, span);
      return { index: first + position, chunk, position, span, text, terms: sentenceTerms(chunk, text) };
    });
    this.built.set(chunkId, list);
    return list;
  }
}

/** Sentence-level view of the index used by the answer composer: terms, IDF, vectors, vocabulary. */
export class Knowledge {
  readonly sentencesByChunk: SentencesByChunk;
  readonly glossaryBySlug: Map<string, GlossaryEntry>;
  readonly chunksById: Map<string, Chunk>;
  readonly chunks: Chunk[];
  /** The curated claims of the topic notes, one chunk each. */
  readonly claims: Chunk[];
  /**
   * The documents the curated layer (glossary, topic notes) was written from. A question whose best
   * evidence is elsewhere (the user's own documents) is answered without the curated layer.
   */
  readonly curatedSources: Set<string>;
  /** Titles of the user's own documents (those the curated layer does not rest on), in index order. */
  readonly ownDocuments: string[];
  private readonly factSpansCache = new Map<string, ReturnType<typeof factSpans>>();
  private readonly idf = new Map<string, number>();
  readonly maxIdf: number;
  readonly vocabulary: Set<string>;
  /** Surface words of the corpus (lower case) and their stems, to correct typos before stemming mangles them. */
  private readonly surface: Map<string, string>;
  /** The surface words by length: typo resolution looks only at plausible lengths. */
  private readonly surfaceByLength = new Map<number, string[]>();
  /** Source passages by file, to find the one holding a quoted span. */
  private readonly passagesByPath = new Map<string, Chunk[]>();
  private readonly vectors: SentenceVectors;

  /** The names a question may call a source by (its publisher, in words, lower case), with the sources so named. */
  private readonly sourcesByName = new Map<string, string[]>();
  /** Words in the longest such name: how far a text is searched for one. */
  private readonly longestSourceName: number = 0;

  constructor(index: Pick<LoadedIndex, "chunks" | "glossary" | "sentenceVectors" | "manifest"> & Partial<Pick<LoadedIndex, "sources" | "termStats">>) {
    for (const source of index.sources ?? []) {
      const publisher = source.publisher ?? "";
      // "The National Outsourcing Association (NOA)" is called "NOA" or "the National Outsourcing Association".
      const names = [publisher, ...(publisher.match(/\(([^)]+)\)/)?.slice(1) ?? []), publisher.replace(/\s*\([^)]*\)/, "")]
        .map(nameWords)
        .filter((n) => n.length >= 3);
      for (const name of new Set(names)) {
        this.sourcesByName.set(name, [...(this.sourcesByName.get(name) ?? []), source.id]);
        this.longestSourceName = Math.max(this.longestSourceName, name.split(" ").length);
      }
    }
    this.vectors = index.sentenceVectors;
    this.glossaryBySlug = new Map(index.glossary.map((g) => [g.slug, g]));
    this.chunksById = new Map(index.chunks.map((c) => [c.id, c]));
    this.chunks = index.chunks;
    this.claims = index.chunks.filter((c) => c.kind === "topic");
    this.curatedSources = new Set([...this.claims.flatMap((c) => c.claim!.evidence.map((e) => e.sourceId)), ...index.glossary.flatMap((g) => g.sources)]);
    const ownTitles = new Map<string, string>();
    const firstRow = new Map<string, number>();
    let rows = 0;
    for (const chunk of index.chunks) {
      firstRow.set(chunk.id, rows);
      rows += chunk.sentences.length;
      if (chunk.kind !== "topic") this.passagesByPath.set(chunk.path, [...(this.passagesByPath.get(chunk.path) ?? []), chunk]);
      if ((chunk.kind === "text" || chunk.kind === "list") && !this.curatedSources.has(chunk.sourceId) && !ownTitles.has(chunk.sourceId)) ownTitles.set(chunk.sourceId, chunk.title || chunk.sourceId);
    }
    this.ownDocuments = [...ownTitles.values()];
    this.sentencesByChunk = new SentencesByChunk(this.chunksById, firstRow);
    // An index written before term statistics were stored (or a test's hand-made index) counts them here.
    const stats = index.termStats ?? computeTermStats(index.chunks);
    const n = stats.sentences;
    for (const [t, f] of Object.entries(stats.df)) this.idf.set(t, Math.log(1 + n / Math.max(f, 1)));
    this.maxIdf = Math.log(1 + n);
    this.vocabulary = new Set(this.idf.keys());
    this.surface = new Map(Object.entries(stats.surface));
    for (const word of this.surface.keys()) {
      const same = this.surfaceByLength.get(word.length);
      if (same) same.push(word);
      else this.surfaceByLength.set(word.length, [word]);
    }
  }

  /** The sentences of the curated claims. */
  claimSentences(): Sentence[] {
    return this.claims.flatMap((c) => this.sentencesByChunk.get(c.id) ?? []);
  }

  /** The source spans a claim rests on, as quotable locations in indexed passages. */
  evidenceOf(claim: Chunk): Located[] {
    return (claim.claim?.evidence ?? []).flatMap((e) => {
      const passages = this.passagesByPath.get(e.path) ?? [];
      // One passage holding all of it (passages overlap at their edges) gives one citation ...
      const whole = passages.find((c) => c.start <= e.start && e.end <= c.end);
      if (whole) return [{ chunkId: whole.id, span: { start: e.start, end: e.end } }];
      // ... else evidence running across passages is quoted piece by piece, each piece from the passage that
      // holds it, so the claim is never cited to only the first half of what supports it.
      const pieces: Located[] = [];
      let from = e.start;
      while (from < e.end) {
        // The passage holding this point, or the next one starting before the evidence ends (passages may leave
        // the whitespace between them out).
        const home = passages.find((c) => c.start <= from && from < c.end) ?? passages.filter((c) => c.start > from && c.start < e.end).sort((a, b) => a.start - b.start)[0];
        if (!home) break;
        const start = Math.max(from, home.start);
        pieces.push({ chunkId: home.id, span: { start, end: Math.min(e.end, home.end) } });
        from = home.end;
      }
      return pieces;
    });
  }

  private readonly headingTerms = new Map<string, Set<string>>();
  private readonly entryMentions = new Map<string, boolean>();

  /** Content terms of a chunk's headings, computed once per chunk. */
  termsOfHeading(chunkId: string, heading: string): Set<string> {
    let terms = this.headingTerms.get(chunkId);
    if (!terms) {
      if (this.headingTerms.size > 50_000) this.headingTerms.clear();
      this.headingTerms.set(chunkId, (terms = new Set(contentTerms(heading))));
    }
    return terms;
  }

  /** Whether a text names any glossary entry (term or alias), computed once per text. */
  namesAnyEntry(text: string): boolean {
    let names = this.entryMentions.get(text);
    if (names === undefined) {
      if (this.entryMentions.size > 50_000) this.entryMentions.clear();
      names = [...this.glossaryBySlug.values()].some((e) => namesEntry(e, text));
      this.entryMentions.set(text, names);
    }
    return names;
  }

  /** Where a text states a fact of one kind (a person, a date, an amount ...), computed once per text and kind. */
  factSpans(text: string, type: AnswerType): ReturnType<typeof factSpans> {
    const key = `${type}\u0000${text}`;
    let spans = this.factSpansCache.get(key);
    if (!spans) {
      if (this.factSpansCache.size > 50_000) this.factSpansCache.clear();
      spans = factSpans(text, type);
      this.factSpansCache.set(key, spans);
    }
    return spans;
  }

  /** The sources a text names by publisher ("the Wikipedia article", "what Investopedia says"). */
  sourcesNamedIn(text: string): Set<string> {
    // Every run of words that could be a name is looked up: the cost follows the text, not the number of sources.
    const textWords = nameWords(text).split(" ");
    const named = new Set<string>();
    for (let i = 0; i < textWords.length; i++) {
      for (let n = 1; n <= this.longestSourceName && i + n <= textWords.length; n++) {
        for (const id of this.sourcesByName.get(textWords.slice(i, i + n).join(" ")) ?? []) named.add(id);
      }
    }
    return named;
  }

  /** Rarity of a term; terms the corpus never uses weigh the most, so a question about them cannot be "covered". */
  idfOf(term: string): number {
    return this.idf.get(term) ?? this.maxIdf;
  }

  /** Cosine similarity between a query vector and a sentence vector. */
  similarity(query: number[], sentence: Sentence): number {
    return this.vectors.cosine(query, sentence.index);
  }

  /** Cosine similarity between two sentences (for de-duplication and diversity). */
  between(a: Sentence, b: Sentence): number {
    return this.vectors.between(a.index, b.index);
  }

  /** The term a question word counts as: the corpus term it resolves to, else its own stem. */
  termOf(word: string): string {
    return this.resolve(word) ?? stem(word);
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
    for (let length = word.length - budget; length <= word.length + budget; length++) {
      for (const candidate of this.surfaceByLength.get(length) ?? []) {
        const d = editDistance(word, candidate, budget);
        // Ties go to the alphabetically first word, so the answer does not depend on the corpus's order.
        if (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best)) {
          best = candidate;
          bestDistance = d;
        }
      }
    }
    return best;
  }
}

/** Lower-case words joined by single spaces: how source names are compared. */
function nameWords(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
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
