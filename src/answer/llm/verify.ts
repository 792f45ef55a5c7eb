import type { Citation } from "../../schema/answer.ts";
import type { Chunk, Span } from "../../schema/passage.ts";
import { citationFor, citedNumbers, spanText } from "../citations.ts";
import { findInstruction, unrequestedInstruction } from "../../text/instructions.ts";
import { contentWords, isNegated, MARKER, namesIn, normaliseMarkers, numbersIn, sentencePieces, wordsIn, type SentencePiece } from "./text.ts";

/**
 * Support threshold: a sentence citing passage n is supported when at least half of its
 * (stemmed) content words occur in ONE sentence of passage n, and every number it states
 * occurs in passage n.
 *
 * Why 0.5: the prompt asks the model to stay close to the passages' wording. Measured on corpus
 * passages, close paraphrases of one passage sentence score 0.8 to 1.0 and looser ones 0.56 to
 * 0.67 ("KPO hands specialised, knowledge-based tasks to experts with advanced degrees"), while
 * claims the passage does not make score about 0.17 ("KPO is mostly done in India because wages
 * are lower"). Half sits between the two; 0.6 would reject fair paraphrases while still passing
 * the worst case below, 0.4 would let a couple of topic words carry a citation. The cost: a
 * paraphrase in different words ("specialists, often with postgraduate degrees" for
 * "individuals that typically have advanced degrees and expertise", 0.43) loses its citation,
 * which is why the prompt asks for the passages' wording.
 * Comparing with the best single sentence rather than the whole passage keeps a long passage
 * from "supporting" anything through sheer vocabulary, and gives the span the citation quotes.
 *
 * Word overlap is only the first test: a claim built from the passage's own topic words ("KPO
 * firms are regulated by the government of India" against a sentence on India's KPO market, 0.6)
 * passes it, so numbers, names and denials are checked exactly and the meaning is compared with
 * the sentence embedder (SEMANTIC_THRESHOLD).
 */
export const SUPPORT_THRESHOLD = 0.5;

/** Below this many matched words a ratio is noise ("It is used [1]."), unless the sentence has fewer words. */
const MIN_MATCHED_WORDS = 2;

/**
 * Semantic floor: the cosine similarity (sentence embedder, USE-lite by default) between an
 * answer sentence and the passage sentence it is checked against. Calibrated on the labelled
 * pairs in test/fixtures/support-pairs.json (see test/llm-support-calibration.test.ts, which
 * prints the figures): every supported pair scores above it, and unsupported pairs that pass
 * the lexical test (same topic words, a different claim) mostly fall below.
 */
export const SEMANTIC_THRESHOLD = 0.65;

export type DropReason = "unknown_passage" | "unsupported" | "number_missing" | "name_missing" | "negation" | "semantic";
export type SentenceDropReason = "no_citation" | "unsupported" | "instruction";

export interface DroppedCitation {
  /** The marker as the model wrote it (1-based index into the passages it was given). */
  n: number;
  reason: DropReason;
  sentence: string;
}

export interface DroppedSentence {
  reason: SentenceDropReason;
  sentence: string;
}

export interface VerifiedAnswer {
  /** The kept sentences with only verified markers, renumbered 1..M in order of first appearance. */
  text: string;
  /** One citation per distinct (passage, quoted sentence), numbered like the markers. */
  citations: Citation[];
  dropped: DroppedCitation[];
  droppedSentences: DroppedSentence[];
  keptSentences: number;
}

export interface Support {
  span: Span;
  ratio: number;
  matched: number;
  supported: boolean;
  reason?: DropReason;
}

interface PassageIndex {
  spans: { span: Span; text: string; words: Set<string>; numbers: Set<string>; negated: boolean }[];
  numbers: Set<string>;
  /** Every word of the passage, its title and section: where a name the sentence states must occur. */
  vocabulary: Set<string>;
}

function indexPassage(chunk: Chunk): PassageIndex {
  const spans = (chunk.sentences.length > 0 ? chunk.sentences : [{ start: chunk.start, end: chunk.end }])
    // A passage sentence that gives instructions (kept with INCLUDE_FLAGGED_PASSAGES) supports nothing.
    .filter((span) => spanText(chunk, span).trim() !== "" && !findInstruction(spanText(chunk, span)))
    .map((span) => {
      const text = spanText(chunk, span);
      return { span, text, words: contentWords(text), numbers: numbersIn(text), negated: isNegated(text) };
    });
  return { spans, numbers: numbersIn(chunk.text), vocabulary: wordsIn(`${chunk.title} ${chunk.section.join(" ")} ${chunk.text}`) };
}

/** How well one passage supports one answer sentence, and which of its sentences supports it best. */
export function supportFor(sentence: string, chunk: Chunk, threshold = SUPPORT_THRESHOLD, index = indexPassage(chunk)): Support {
  const words = contentWords(sentence);
  const numbers = numbersIn(sentence);
  let best: Omit<Support, "supported"> | undefined;
  let bestHasNumbers = false;
  for (const s of index.spans) {
    let matched = 0;
    for (const w of words) if (s.words.has(w)) matched++;
    const ratio = words.size === 0 ? 0 : matched / words.size;
    const hasNumbers = [...numbers].every((x) => s.numbers.has(x));
    // Ties go to the sentence that also states the numbers, then to the earlier one.
    if (!best || ratio > best.ratio || (ratio === best.ratio && hasNumbers && !bestHasNumbers)) {
      best = { span: s.span, ratio, matched };
      bestHasNumbers = hasNumbers;
    }
  }
  if (!best) return { span: { start: chunk.start, end: chunk.end }, ratio: 0, matched: 0, supported: false, reason: "unsupported" };
  if (![...numbers].every((x) => index.numbers.has(x))) return { ...best, supported: false, reason: "number_missing" };
  if (![...namesIn(sentence)].every((name) => index.vocabulary.has(name))) return { ...best, supported: false, reason: "name_missing" };
  const enough = words.size > 0 && best.ratio >= threshold && best.matched >= Math.min(MIN_MATCHED_WORDS, words.size);
  if (!enough) return { ...best, supported: false, reason: "unsupported" };
  // A denial on one side only turns the claim around, however many words the two share.
  const bestSpan = best.span;
  const spanNegated = index.spans.find((s) => s.span === bestSpan)?.negated ?? false;
  if (spanNegated !== isNegated(sentence)) return { ...best, supported: false, reason: "negation" };
  return { ...best, supported: true };
}

/** Tidies the gaps dropped markers leave ("work [9]." -> "work."). */
function tidy(sentence: string): string {
  return sentence.replace(/[ \t]+(?=[.,;:!?](?:\s|$|\[))/g, "").replace(/[ \t]{2,}/g, " ").trim();
}

/** Cosine similarity of two texts by the sentence embedder; absent when no embedder is wired in. */
export type Similarity = (sentence: string, passageSentence: string) => Promise<number>;

export interface VerifierOptions {
  question: string;
  threshold?: number;
  similarity?: Similarity;
  semanticThreshold?: number;
}

export type SentenceVerdict = { kept: true; text: string } | { kept: false; reason: SentenceDropReason };

/**
 * Verifies an answer one sentence at a time, so a stream can pass each sentence on as soon as
 * it is checked. A sentence is kept only when it cites at least one passage that supports it
 * (content-word overlap with one passage sentence, every number and name found in the passage,
 * no denial on one side only, and, with an embedder, close enough in meaning); citations to
 * passages it was not given or that do not support it are removed; a sentence that gives
 * instructions (to a model, about what to answer, or asking the reader to send credentials,
 * visit a link or contact an address when the question did not ask about that) is dropped,
 * however well it is cited. Kept markers are renumbered by first appearance, one citation per
 * distinct passage sentence quoted.
 */
export class AnswerVerifier {
  private readonly indexes = new Map<number, PassageIndex>();
  private readonly numbering = new Map<string, number>();
  private readonly allCitations: Citation[] = [];
  readonly dropped: DroppedCitation[] = [];
  readonly droppedSentences: DroppedSentence[] = [];
  keptSentences = 0;

  private readonly passages: readonly Chunk[];
  private readonly options: VerifierOptions;

  constructor(
    passages: readonly Chunk[],
    options: VerifierOptions,
  ) {
    this.passages = passages;
    this.options = options;
  }

  private indexOf(n: number): PassageIndex {
    if (!this.indexes.has(n)) this.indexes.set(n, indexPassage(this.passages[n - 1]!));
    return this.indexes.get(n)!;
  }

  private drop(reason: SentenceDropReason, sentence: string): SentenceVerdict {
    this.droppedSentences.push({ reason, sentence });
    return { kept: false, reason };
  }

  async check(sentence: string): Promise<SentenceVerdict> {
    // First: an instruction is dropped whatever it cites (a planted one may be quoted word for word).
    if (unrequestedInstruction(sentence, this.options.question)) return this.drop("instruction", sentence);
    const markers = new Set([...sentence.matchAll(MARKER)].map((m) => Number(m[1])));
    if (markers.size === 0) return this.drop("no_citation", sentence);
    const keep = new Map<number, number>();
    for (const n of markers) {
      if (n < 1 || n > this.passages.length) {
        this.dropped.push({ n, reason: "unknown_passage", sentence });
        continue;
      }
      const index = this.indexOf(n);
      const support = supportFor(sentence, this.passages[n - 1]!, this.options.threshold ?? SUPPORT_THRESHOLD, index);
      if (support.supported && this.options.similarity) {
        const spanText = index.spans.find((s) => s.span === support.span)?.text ?? "";
        const similarity = await this.options.similarity(sentence.replace(MARKER, " ").trim(), spanText);
        if (similarity < (this.options.semanticThreshold ?? SEMANTIC_THRESHOLD)) {
          this.dropped.push({ n, reason: "semantic", sentence });
          continue;
        }
      }
      if (!support.supported) {
        this.dropped.push({ n, reason: support.reason ?? "unsupported", sentence });
        continue;
      }
      const key = `${n}:${support.span.start}:${support.span.end}`;
      if (!this.numbering.has(key)) {
        this.numbering.set(key, this.allCitations.length + 1);
        this.allCitations.push(citationFor(this.passages[n - 1]!, support.span, this.allCitations.length + 1));
      }
      keep.set(n, this.numbering.get(key)!);
    }
    if (keep.size === 0) return this.drop("unsupported", sentence);
    const written = new Set<number>();
    const text = tidy(
      sentence.replace(MARKER, (_m, digits: string) => {
        const k = keep.get(Number(digits));
        if (k === undefined || written.has(k)) return "";
        written.add(k);
        return `[${k}]`;
      }),
    );
    this.keptSentences++;
    return { kept: true, text };
  }

  /** The citations the kept sentences reference (every one of them is). */
  citations(text: string): Citation[] {
    const referenced = citedNumbers(text);
    return this.allCitations.filter((c) => referenced.has(c.n));
  }
}

/**
 * Lays kept sentences out as the model did: sentences of one line joined by a space, a line's
 * list or heading prefix written before its first kept sentence, paragraph breaks kept. Each
 * call returns the text to append, so streamed deltas concatenate to the final answer.
 */
export class AnswerLayout {
  private lastLine: number | undefined;
  private paragraphPending = false;
  private text = "";

  /** Every piece passes here, kept or not, so a blank line before a dropped one is not lost. */
  see(piece: SentencePiece): void {
    if (piece.breaks >= 2) this.paragraphPending = true;
  }

  append(piece: SentencePiece, sentence: string): string {
    let delta: string;
    if (this.lastLine === undefined) delta = piece.prefix + sentence;
    else if (this.lastLine === piece.line) delta = ` ${sentence}`;
    else delta = `${this.paragraphPending ? "\n\n" : "\n"}${piece.prefix}${sentence}`;
    this.lastLine = piece.line;
    this.paragraphPending = false;
    this.text += delta;
    return delta;
  }

  get value(): string {
    return this.text;
  }
}

/**
 * Checks every sentence of a complete answer (see AnswerVerifier). Whether what is left still
 * answers the question is the caller's decision.
 */
export async function verifyAnswer(raw: string, passages: readonly Chunk[], options: VerifierOptions = { question: "" }): Promise<VerifiedAnswer> {
  const verifier = new AnswerVerifier(passages, options);
  const layout = new AnswerLayout();
  const prefixes = linePrefixes(normaliseMarkers(raw));
  for (const piece of prefixes) {
    layout.see(piece);
    const verdict = await verifier.check(piece.text);
    if (verdict.kept) layout.append(piece, verdict.text);
  }
  const text = layout.value;
  return { text, citations: verifier.citations(text), dropped: verifier.dropped, droppedSentences: verifier.droppedSentences, keptSentences: verifier.keptSentences };
}

/** Every sentence piece of a complete text, each carrying its own line's prefix for the layout. */
export function linePrefixes(text: string): SentencePiece[] {
  const { pieces } = sentencePieces(text);
  return withLinePrefixes(pieces);
}

/** Gives every piece its line's prefix, so whichever sentence of a line is kept first writes it. */
export function withLinePrefixes(pieces: SentencePiece[]): SentencePiece[] {
  const byLine = new Map<number, string>();
  for (const p of pieces) if (p.prefix && !byLine.has(p.line)) byLine.set(p.line, p.prefix);
  return pieces.map((p) => ({ ...p, prefix: byLine.get(p.line) ?? "" }));
}
