/**
 * Small text utilities for checking an LLM sentence against a passage: sentence splitting that
 * keeps every character (so the answer can be rebuilt exactly), content words with light
 * stemming, and the numbers a sentence states.
 */

import { contentTerms } from "../../text/terms.ts";

/** Marker like [3]; the capture is the number. */
export const MARKER = /\[(\d+)\]/g;

/**
 * Models write citations in several shapes; turn `[1, 2]`, `[1,2]`, `[^1]` and `[1-3]` into
 * `[1][2]`-style markers so one pattern handles the rest. Ranges are capped so a stray
 * `[1-2000]` cannot expand into thousands of markers (the numbers are checked later anyway).
 */
export function normaliseMarkers(text: string): string {
  return text.replace(/\[\^?(\d+(?:\s*(?:,|-|–)\s*\d+)*)\]/g, (_m, body: string) => {
    const numbers: number[] = [];
    for (const part of body.split(/\s*,\s*/)) {
      const range = part.split(/\s*[-–]\s*/).map(Number);
      if (range.length === 2 && range[1]! >= range[0]! && range[1]! - range[0]! <= 20) {
        for (let n = range[0]!; n <= range[1]!; n++) numbers.push(n);
      } else numbers.push(...range);
    }
    return numbers.map((n) => `[${n}]`).join("");
  });
}

export interface Segment {
  text: string;
  /** False for separators (newlines, list bullets, heading marks) that are kept verbatim. */
  sentence: boolean;
}

/**
 * Splits Markdown answer text into sentences and separators whose concatenation is the input.
 * A sentence ends at . ! or ? (plus closing quotes or brackets and any citation markers that
 * follow, as in "... work. [2]") when whitespace or the end of the line comes next; "$1.5" and
 * abbreviations such as "e.g." do not end one. Line structure (lists, headings) is kept as separator segments.
 */
export function splitSentences(text: string): Segment[] {
  const segments: Segment[] = [];
  const push = (t: string, sentence: boolean) => {
    if (t) segments.push({ text: t, sentence: sentence && /[\p{L}\p{N}\]]/u.test(t) });
  };
  for (const line of text.split(/(\r?\n)/)) {
    if (/^\r?\n$/.test(line)) {
      push(line, false);
      continue;
    }
    // Leading Markdown structure: indentation, bullets, ordered-list numbers, headings, quotes.
    const prefix = /^\s*(?:(?:[-*+]|\d+[.)]|#{1,6}|>)\s+)*/.exec(line)![0];
    push(prefix, false);
    const body = line.slice(prefix.length);
    const end = /(?<!\b(?:e\.g|i\.e|etc|vs|cf|approx|Inc|Ltd|Co|Corp|Mr|Mrs|Ms|Dr|St|U\.S))[.!?]+["'”’)*_]*(?:\s*\[\d+\])*(?=\s|$)/g;
    let from = 0;
    for (let m = end.exec(body); m; m = end.exec(body)) {
      const stop = m.index + m[0].length;
      const lead = /^\s*/.exec(body.slice(from))![0].length;
      push(body.slice(from, from + lead), false);
      push(body.slice(from + lead, stop), true);
      from = stop;
    }
    const lead = /^\s*/.exec(body.slice(from))![0].length;
    push(body.slice(from, from + lead), false);
    push(body.slice(from + lead), true);
  }
  return segments;
}

/**
 * Stemmed content words (letters only; numbers are checked separately), with the project's one
 * normalisation (stopwords, Porter2 stemming), cut to 6 letters so derivations the stemmer keeps
 * apart still meet ("expert"/"expertise", "outsourced"/"outsourcing"), at the cost of rare
 * conflations that only matter if an unrelated claim also shares most of its other words.
 */
export function contentWords(text: string): Set<string> {
  return new Set(
    contentTerms(text.replace(MARKER, " "))
      .filter((t) => /\p{L}/u.test(t) && t.length >= 2)
      .map((t) => t.slice(0, 6)),
  );
}

/** Numbers a text states ("$1.5 billion" -> "1.5", "10,000" -> "10000"), markers excluded. */
export function numbersIn(text: string): Set<string> {
  const numbers = new Set<string>();
  for (const m of text.replace(MARKER, " ").matchAll(/\d+(?:[.,]\d+)*/g)) {
    numbers.add(m[0].replace(/,(?=\d{3}\b)/g, ""));
  }
  return numbers;
}

/**
 * Proper names and other capitalised tokens a sentence states ("India", "NASSCOM", "March"),
 * lower-cased and without possessives, for the check that each occurs in a cited passage. The
 * first word of a sentence is capitalised anyway, so it counts only when it looks like an
 * acronym (two or more capitals); single letters ("I", "A") never count.
 */
export function namesIn(sentence: string): Set<string> {
  const text = sentence.replace(MARKER, " ").replace(/^[\s\-*+>#\d.)]*/, "");
  const names = new Set<string>();
  let first = true;
  for (const m of text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}&]*/gu)) {
    const token = m[0];
    const isFirst = first;
    first = false;
    if (!/^\p{Lu}/u.test(token) || token.length < 2) continue;
    if (isFirst && (token.match(/\p{Lu}/gu) ?? []).length < 2) continue;
    names.add(token.toLowerCase());
  }
  return names;
}

/** Every word of a text, lower-cased (the vocabulary names are looked up in). */
export function wordsIn(text: string): Set<string> {
  return new Set([...text.toLowerCase().matchAll(/[\p{L}\p{N}][\p{L}\p{N}&]*/gu)].map((m) => m[0]));
}

/** "not", "never", "cannot", "n't", "no X", "neither/nor"; "not only" and "no longer" are not denials. */
const NEGATION = /\b(?:not(?!\s+only\b)|never|cannot|neither|nor|no(?!\s+(?:longer|doubt|matter)\b))\b|n['’]t\b/i;

export function isNegated(text: string): boolean {
  return NEGATION.test(text.replace(MARKER, " "));
}

/** One sentence of an answer and where it sits in the Markdown layout. */
export interface SentencePiece {
  text: string;
  /** Line breaks between the previous sentence and this one (0: same line). */
  breaks: number;
  /** The line's Markdown prefix ("- ", "1. ", "## ") for the first sentence of a line, else "". */
  prefix: string;
  /** Lines are numbered from 0, so the layout can tell which sentences share one. */
  line: number;
}

/** The sentences of answer text with their layout; the last one may still be growing when streaming. */
export function sentencePieces(text: string): { pieces: SentencePiece[]; completeCount: number } {
  const pieces: SentencePiece[] = [];
  let breaks = 0;
  let prefix = "";
  let line = 0;
  let newlineAfterLast = false;
  let startsWithMarker: boolean[] = [];
  for (const segment of splitSentences(text)) {
    if (/\n/.test(segment.text)) {
      const n = (segment.text.match(/\n/g) ?? []).length;
      breaks += n;
      line += n;
      prefix = "";
      newlineAfterLast = pieces.length > 0;
      continue;
    }
    if (!segment.sentence) {
      // A line prefix comes before any sentence of its line; spaces between sentences are not kept.
      if (!pieces.some((p) => p.line === line) && segment.text.trim() !== "") prefix = segment.text.trimStart();
      continue;
    }
    pieces.push({ text: segment.text, breaks, prefix: pieces.some((p) => p.line === line) ? "" : prefix, line });
    startsWithMarker.push(/^\[/.test(segment.text));
    breaks = 0;
    newlineAfterLast = false;
  }
  // A sentence is complete once text that cannot belong to it follows: a newline, or a next
  // sentence that is not a citation marker still being written ("... work. [" then "2]").
  let completeCount = Math.max(0, pieces.length - 1);
  while (completeCount > 0 && startsWithMarker[completeCount]) completeCount--;
  if (newlineAfterLast) completeCount = pieces.length;
  startsWithMarker = [];
  return { pieces, completeCount };
}
