import type { Chunk, Span } from "../../schema/passage.ts";
import { contentTerms } from "../../text/terms.ts";
import type { Passage } from "../types.ts";
import type { Knowledge, Sentence } from "./knowledge.ts";

/** A quoted span of one indexed chunk. */
export interface Located {
  chunkId: string;
  span: Span;
}

/**
 * What an answer can be made of, one sentence each (a quote may carry the sentence before it when
 * it leans on it): a verbatim sentence or list item of a document, a sentence of a glossary
 * definition, or a curated claim in our words that cites the source spans it rests on.
 */
export type UnitKind = "sentence" | "item" | "glossary" | "claim";

export interface Unit {
  /** Stable id: the chunk and span it shows. */
  id: string;
  kind: UnitKind;
  /** The sentence whose vector and position describe the unit (for a quote with its lead-in, the leaning sentence). */
  sentence: Sentence;
  chunk: Chunk;
  /** What the answer shows: a verbatim quote, or the claim's own words. */
  text: string;
  /** The spans its citation markers point at: the quote itself, or a claim's evidence. */
  cites: Located[];
  /** Content terms of what is shown (a claim's own words, not its evidence). */
  terms: Set<string>;
  /** Retrieval rank of its chunk (1 = best); undefined for a claim retrieval did not return. */
  rank?: number;
  /** Fused retrieval score of its chunk, relative to the best passage (0-1). */
  retrieval: number;
  /** The documents it rests on: a quote's own, a claim's evidence, a glossary entry's listed sources. */
  sourceIds: string[];
  /** Part of the curated layer (glossary, topic notes, or the documents they were written from). */
  curated: boolean;
}

/** Words that make a sentence lean on the one before it ("This can make them less expensive"). */
const ANAPHOR = /^(?:this|these|that|those|it|they|such|as a result|therefore|thus|so|here)\b/i;
/** Discourse connectives that only make sense after the sentence the source had before them. */
export const CONNECTIVE = /^(?:however|moreover|conversely|furthermore|additionally|in addition|also|similarly|likewise|nevertheless|nonetheless|besides|still|yet|instead|indeed|in effect|by contrast|meanwhile),?\s+/i;

/** A list item: a bulleted line, or a short piece without closing punctuation in a run of them. */
export function isListItem(s: Sentence): boolean {
  return s.chunk.kind === "list" || (s.chunk.kind !== "topic" && s.chunk.kind !== "glossary" && !/[.!?:;]$/.test(s.text) && s.text.split(/\s+/).length <= 8);
}

/**
 * Every unit an answer to this question could use: the sentences of the retrieved document
 * passages and glossary entries, and the curated claims (all of them: they are few, and a claim in
 * plain words can answer a wording retrieval ranked low). `curatedAllowed` false leaves the
 * curated layer out entirely (a question about the user's own documents).
 */
export function collectUnits(knowledge: Knowledge, passages: Passage[], glossarySlugs: string[]): Unit[] {
  const units: Unit[] = [];
  const top = Math.max(...passages.map((p) => p.score), 1e-9);
  const rankOf = new Map(passages.map((p, i) => [p.id, { rank: i + 1, retrieval: p.score / top }]));
  const seenGlossary = new Set<string>();
  const addGlossary = (chunkId: string) => {
    if (seenGlossary.has(chunkId)) return;
    seenGlossary.add(chunkId);
    const sentences = knowledge.sentencesByChunk.get(chunkId) ?? [];
    const chunk = knowledge.chunksById.get(chunkId);
    if (!chunk) return;
    const slug = chunk.term ?? "";
    // The definition itself: the entry's other sentences restate facts of the sources, which are quoted (or claimed) with their own citations.
    const lead = sentences[0];
    if (lead) units.push(unitOf(knowledge, "glossary", lead, { chunkId, span: lead.span }, rankOf.get(chunkId), knowledge.glossaryBySlug.get(slug)?.sources ?? [], true));
  };
  for (const p of passages) {
    if (p.kind === "comment" || p.kind === "topic") continue;
    if (p.kind === "glossary") {
      addGlossary(p.id);
      continue;
    }
    const sentences = knowledge.sentencesByChunk.get(p.id) ?? [];
    const curated = knowledge.curatedSources.has(p.sourceId);
    for (const s of sentences) {
      const kind = isListItem(s) ? "item" : "sentence";
      units.push(unitOf(knowledge, kind, s, kind === "sentence" ? leaning(knowledge, s) : { chunkId: p.id, span: s.span }, rankOf.get(p.id), [p.sourceId], curated));
    }
  }
  for (const slug of glossarySlugs) addGlossary(`glossary:${slug}`);
  for (const claim of knowledge.claims) {
    const s = knowledge.sentencesByChunk.get(claim.id)?.[0];
    if (!s) continue;
    const cites = knowledge.evidenceOf(claim);
    if (cites.length === 0) continue;
    units.push(unitOf(knowledge, "claim", s, cites, rankOf.get(claim.id), claim.claim!.evidence.map((e) => e.sourceId), true));
  }
  return units;
}

function unitOf(knowledge: Knowledge, kind: UnitKind, sentence: Sentence, cite: Located | Located[], ranked: { rank: number; retrieval: number } | undefined, sourceIds: string[], curated: boolean): Unit {
  const cites = Array.isArray(cite) ? cite : [cite];
  const text = kind === "claim" ? sentence.chunk.text : quoteText(knowledge, cites[0]!);
  return {
    // Keyed by source id, not path, so that learned example labels hold wherever the corpus folder lives.
    id: kind === "claim" ? sentence.chunk.id : `${sentence.chunk.sourceId}@${cites[0]!.span.start}-${cites[0]!.span.end}`,
    kind,
    sentence,
    chunk: sentence.chunk,
    text,
    cites,
    terms: new Set(contentTerms(text)),
    ...(ranked ? { rank: ranked.rank } : {}),
    retrieval: ranked?.retrieval ?? 0,
    sourceIds: [...new Set(sourceIds)],
    curated,
  };
}

/** A sentence that leans on its neighbour is quoted with it; a dangling opening connective is left out of the quote. */
function leaning(knowledge: Knowledge, sentence: Sentence): Located {
  const siblings = knowledge.sentencesByChunk.get(sentence.chunk.id) ?? [];
  const previous = siblings[sentence.position - 1];
  let start = sentence.span.start;
  if (ANAPHOR.test(sentence.text) && previous && !isListItem(previous)) start = previous.span.start;
  else {
    const connective = CONNECTIVE.exec(sentence.text);
    if (connective) start += connective[0].length;
  }
  return { chunkId: sentence.chunk.id, span: { start, end: sentence.span.end } };
}

/** The verbatim text of a located span, as its chunk holds it. */
export function quoteText(knowledge: Knowledge, located: Located): string {
  const chunk = knowledge.chunksById.get(located.chunkId)!;
  return chunk.text.slice(located.span.start - chunk.start, located.span.end - chunk.start);
}
