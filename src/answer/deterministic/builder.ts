import type { Citation } from "../../schema/answer.ts";
import type { Span } from "../../schema/passage.ts";
import { citationFor, spanText } from "../citations.ts";
import type { Knowledge, Sentence } from "./knowledge.ts";

/** A quoted span of one indexed chunk, or (for a topic chunk) a claim that is shown in our words and cites its evidence. */
export interface Located {
  chunkId: string;
  span: Span;
}

interface Part {
  kind: "paragraph" | "bullet" | "list" | "note";
  /** For "note": a sentence of ours that cites nothing (e.g. saying what the sources do not settle). */
  text?: string;
  label?: string;
  items: Located[];
  /** For "list": the item texts, each shown as a bullet carrying the one citation of the whole list. */
  listItems?: string[];
  intro?: string;
}

const ANAPHOR = /^(this|these|that|those|it|they|such|as a result|therefore|thus|so)\b/i;
/** Discourse connectives that only make sense after the sentence the source had before them. */
const CONNECTIVE = /^(?:however|moreover|conversely|furthermore|additionally|in addition|also|similarly|likewise|nevertheless|nonetheless|besides|still|yet|instead|indeed|in effect|by contrast|meanwhile),?\s+/i;

/** A sentence that leans on its neighbour ("This can make them less expensive") is quoted with it. */
export function withContext(knowledge: Knowledge, sentence: Sentence, needsPrevious = false): Located {
  const siblings = knowledge.sentencesByChunk.get(sentence.chunk.id) ?? [];
  let start = sentence.span.start;
  let end = sentence.span.end;
  const previous = siblings[sentence.position - 1];
  const next = siblings[sentence.position + 1];
  const prose = sentence.chunk.kind !== "list" && sentence.chunk.kind !== "topic";
  if ((needsPrevious || ANAPHOR.test(sentence.text)) && previous && prose) start = previous.span.start;
  else if (next && ANAPHOR.test(next.text) && prose) end = next.span.end;
  return { chunkId: sentence.chunk.id, span: { start, end } };
}

/**
 * Collects the parts of an answer and renders them with citations numbered in order of first
 * appearance. Quotes are verbatim; a quote already shown is not shown again, and a quote that
 * overlaps one already shown is trimmed to its new sentences. A claim is rendered in its own
 * words and cites the source spans of its evidence.
 */
export class AnswerBuilder {
  private readonly parts: Part[] = [];
  private readonly seen: Located[] = [];

  private readonly knowledge: Knowledge;

  constructor(knowledge: Knowledge) {
    this.knowledge = knowledge;
  }

  private isClaim(l: Located): boolean {
    return this.knowledge.chunksById.get(l.chunkId)?.kind === "topic";
  }

  private fresh(items: Located[]): Located[] {
    const out: Located[] = [];
    for (const item of items) {
      if (this.isClaim(item)) {
        if (!this.seen.some((s) => s.chunkId === item.chunkId)) {
          this.seen.push(item);
          out.push(item);
        }
        continue;
      }
      let { start, end } = item.span;
      for (const seen of this.seen) {
        if (seen.chunkId !== item.chunkId || seen.span.end <= start || seen.span.start >= end) continue;
        if (seen.span.start <= start && seen.span.end >= end) {
          start = end;
          break;
        }
        // Quotes are whole sentences, so the overlap is a run of shared sentences at one end.
        if (seen.span.start <= start) start = seen.span.end;
        else end = seen.span.start;
      }
      const chunk = this.knowledge.chunksById.get(item.chunkId)!;
      let text = spanText(chunk, { start, end });
      let lead = text.length - text.trimStart().length;
      // A quote that opens with "However," or "Moreover," starts after the connective.
      const connective = CONNECTIVE.exec(text.trimStart());
      if (connective) lead += connective[0].length;
      text = text.slice(lead).trimEnd();
      // What is left of a quote after trimming must still say something.
      if ((text.match(/[\p{L}\p{N}]+/gu) ?? []).length < 4) continue;
      this.seen.push({ chunkId: item.chunkId, span: { start, end } });
      const located = { chunkId: item.chunkId, span: { start: start + lead, end: start + lead + text.length } };
      out.push(located);
    }
    return out;
  }

  paragraph(items: Located[], label?: string): void {
    const f = this.fresh(items);
    if (f.length) this.parts.push({ kind: "paragraph", label, items: f });
  }

  list(whole: Located, items: string[], intro?: string): void {
    const f = this.fresh([whole]);
    if (f.length) this.parts.push({ kind: "list", items: f, listItems: items, intro });
  }

  bullet(item: Located): void {
    const f = this.fresh([item]);
    if (f.length) this.parts.push({ kind: "bullet", items: f });
  }

  note(text: string): void {
    this.parts.push({ kind: "note", items: [], text });
  }

  /** Empty until something cited is in it: a note alone is no answer. */
  isEmpty(): boolean {
    return !this.parts.some((p) => p.kind !== "note");
  }

  /** Whether a quote of this span (or of one containing it) is already in the answer. */
  shows(item: Located): boolean {
    return this.seen.some((s) => s.chunkId === item.chunkId && s.span.start <= item.span.start && s.span.end >= item.span.end);
  }

  mentions(term: string): boolean {
    return this.parts.some((p) => p.label === term);
  }

  /** The source spans a claim rests on, as quotable locations in indexed passages. */
  evidenceOf(claimChunkId: string): Located[] {
    const claim = this.knowledge.chunksById.get(claimChunkId)?.claim;
    if (!claim) return [];
    return claim.evidence.flatMap((e) => {
      const home = this.knowledge.passageHolding(e.path, e);
      return home ? [{ chunkId: home.id, span: { start: e.start, end: e.end } }] : [];
    });
  }

  build(): { answer: string; citations: Citation[] } {
    const citations: Citation[] = [];
    const numberOf = new Map<string, number>();
    const number = (l: Located) => {
      const chunk = this.knowledge.chunksById.get(l.chunkId)!;
      const key = `${chunk.path}@${l.span.start}-${l.span.end}`;
      let n = numberOf.get(key);
      if (!n) {
        n = citations.length + 1;
        numberOf.set(key, n);
        // Evidence may run past its passage into the next one; the citation quotes what this passage holds of it.
        citations.push(citationFor(chunk, { start: l.span.start, end: Math.min(l.span.end, chunk.end) }, n));
      }
      return n;
    };
    const render = (l: Located) => {
      if (this.isClaim(l)) {
        const markers = [...new Set(this.evidenceOf(l.chunkId).map(number))].map((n) => `[${n}]`).join("");
        return `${this.knowledge.chunksById.get(l.chunkId)!.text} ${markers}`;
      }
      const n = number(l);
      const quote = citations[n - 1]!.quote.replace(/\s*\n+\s*(?:[-*•]\s+)?/g, " ");
      return `${quote.charAt(0).toUpperCase()}${quote.slice(1)} [${n}]`;
    };
    const blocks = this.parts.map((part) => {
      if (part.kind === "note") return part.text!;
      if (part.kind === "list") {
        const marker = `[${number(part.items[0]!)}]`;
        const bullets = part.listItems!.map((item) => `- ${item} ${marker}`).join("\n");
        return part.intro ? `${part.intro} ${marker}\n${bullets}` : bullets;
      }
      const body = part.items.map(render).join(" ");
      if (part.kind === "bullet") return `- ${body}`;
      return part.label ? `**${part.label}:** ${body}` : body;
    });
    // Consecutive bullets form one list; other parts are paragraphs.
    const answer = blocks.reduce((out, block, i) => (i === 0 ? block : `${out}${this.parts[i]!.kind === "bullet" && this.parts[i - 1]!.kind === "bullet" ? "\n" : "\n\n"}${block}`), "");
    return { answer, citations };
  }
}
