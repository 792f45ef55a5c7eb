import type { Citation } from "../../schema/answer.ts";
import type { Chunk, Span } from "../../schema/passage.ts";
import { citationFor, citedNumbers, spanText } from "../citations.ts";
import { contentWords, MARKER, normaliseMarkers, numbersIn, splitSentences } from "./text.ts";

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
 * Limit, on purpose: this is a lexical guard against invented or misnumbered citations, not an
 * entailment check. A short claim built from the passage's topic words ("KPO firms are
 * regulated by the government of India" against a sentence on India's KPO market, 0.6) passes;
 * numbers, the most damaging kind of invention, are checked exactly.
 */
export const SUPPORT_THRESHOLD = 0.5;

/** Below this many matched words a ratio is noise ("It is used [1]."), unless the sentence has fewer words. */
const MIN_MATCHED_WORDS = 2;

export type DropReason = "unknown_passage" | "unsupported" | "number_missing";

export interface DroppedCitation {
  /** The marker as the model wrote it (1-based index into the passages it was given). */
  n: number;
  reason: DropReason;
  sentence: string;
}

export interface VerifiedAnswer {
  /** The answer text with only verified markers, renumbered 1..M in order of first appearance. */
  text: string;
  /** One citation per distinct (passage, quoted sentence), numbered like the markers. */
  citations: Citation[];
  dropped: DroppedCitation[];
}

export interface Support {
  span: Span;
  ratio: number;
  matched: number;
  supported: boolean;
  reason?: DropReason;
}

interface PassageIndex {
  spans: { span: Span; words: Set<string>; numbers: Set<string> }[];
  numbers: Set<string>;
}

function indexPassage(chunk: Chunk): PassageIndex {
  const spans = (chunk.sentences.length > 0 ? chunk.sentences : [{ start: chunk.start, end: chunk.end }])
    .filter((span) => spanText(chunk, span).trim() !== "")
    .map((span) => {
      const text = spanText(chunk, span);
      return { span, words: contentWords(text), numbers: numbersIn(text) };
    });
  return { spans, numbers: numbersIn(chunk.text) };
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
  const enough = words.size > 0 && best.ratio >= threshold && best.matched >= Math.min(MIN_MATCHED_WORDS, words.size);
  return enough ? { ...best, supported: true } : { ...best, supported: false, reason: "unsupported" };
}

/** Tidies the gaps dropped markers leave ("work [9]." -> "work."). */
function tidy(sentence: string): string {
  return sentence.replace(/[ \t]+(?=[.,;:!?](?:\s|$|\[))/g, "").replace(/[ \t]{2,}/g, " ").trimEnd();
}

/**
 * Checks every [n] of the model's answer against passage n (1-based, in the order the model saw
 * them): markers for passages it was not given are removed, citations a sentence's own passage
 * does not support are removed from that sentence, and each kept marker becomes a citation
 * quoting the passage sentence that supports it best. Sentences are kept even when they lose
 * their markers; whether anything verified is left is the caller's decision.
 */
export function verifyAnswer(raw: string, passages: readonly Chunk[], threshold = SUPPORT_THRESHOLD): VerifiedAnswer {
  const indexes = new Map<number, PassageIndex>();
  const indexOf = (n: number) => {
    if (!indexes.has(n)) indexes.set(n, indexPassage(passages[n - 1]!));
    return indexes.get(n)!;
  };
  const numbering = new Map<string, number>();
  const citations: Citation[] = [];
  const dropped: DroppedCitation[] = [];

  const out = splitSentences(normaliseMarkers(raw)).map((segment) => {
    if (!segment.sentence || !/\[\d+\]/.test(segment.text)) return segment.text;
    const keep = new Map<number, number>();
    for (const n of new Set([...segment.text.matchAll(MARKER)].map((m) => Number(m[1])))) {
      if (n < 1 || n > passages.length) {
        dropped.push({ n, reason: "unknown_passage", sentence: segment.text });
        continue;
      }
      const support = supportFor(segment.text, passages[n - 1]!, threshold, indexOf(n));
      if (!support.supported) {
        dropped.push({ n, reason: support.reason ?? "unsupported", sentence: segment.text });
        continue;
      }
      const key = `${n}:${support.span.start}:${support.span.end}`;
      if (!numbering.has(key)) {
        numbering.set(key, citations.length + 1);
        citations.push(citationFor(passages[n - 1]!, support.span, citations.length + 1));
      }
      keep.set(n, numbering.get(key)!);
    }
    const written = new Set<number>();
    return tidy(
      segment.text.replace(MARKER, (_m, digits: string) => {
        const k = keep.get(Number(digits));
        if (k === undefined || written.has(k)) return "";
        written.add(k);
        return `[${k}]`;
      }),
    );
  });

  const text = out.join("").replace(/[ \t]+$/gm, "").replace(/\n{3,}/g, "\n\n").trim();
  // Invariant check: the rewrite above keeps exactly the numbered markers, so this only guards
  // against a future edit breaking that (a citation never referenced is dropped, not shipped).
  const referenced = citedNumbers(text);
  return { text, citations: citations.filter((c) => referenced.has(c.n)), dropped };
}
