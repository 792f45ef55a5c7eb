import { z } from "zod";
import { spanText, type Chunk } from "../schema/passage.ts";
import { contentTerms, contentTermsOf, stem, STOPWORDS, words } from "../text/terms.ts";

/**
 * What the answer composer needs to know about the whole corpus's words: how many indexed
 * sentences use each content term (its rarity), and the corpus's surface words with their
 * stems (the targets of typo correction). Computed once at ingest and stored with the index,
 * so loading a large index does not re-read every sentence.
 */
export const termStatsSchema = z.object({
  /** Source sentences counted (claims restate the sources, so they are left out). */
  sentences: z.number().int().nonnegative(),
  /** Sentences per content term (stemmed). */
  df: z.record(z.string(), z.number().int().nonnegative()),
  /** Corpus words of 4+ letters, lower case, and their stems. */
  surface: z.record(z.string(), z.string()),
});
export type TermStats = z.infer<typeof termStatsSchema>;

/** A sentence's content terms; a claim's also include the words of the passages it rests on and the tasks it names. */
export function sentenceTerms(chunk: Chunk, text: string, textWords: string[] = words(text)): Set<string> {
  const terms = new Set(contentTermsOf(textWords));
  if (chunk.claim) for (const t of contentTerms(`${chunk.claim.tasks.join(" ")} ${chunk.claim.evidence.map((e) => e.quote).join(" ")}`)) terms.add(t);
  return terms;
}

/**
 * One document's share of the statistics (or the claims'), so a re-ingest recounts only the
 * documents that changed: the shares of the others come from the ingest cache.
 */
export const termCountsSchema = z.object({
  sentences: z.number().int().nonnegative(),
  /** Source sentences per term; for claims, claim sentences per term. */
  df: z.record(z.string(), z.number().int().nonnegative()),
  /** Terms of section headings (they count once when no sentence uses them). */
  sectionTerms: z.array(z.string()),
  surface: z.record(z.string(), z.string()),
});
export type TermCounts = z.infer<typeof termCountsSchema>;

/** Counts over chunks that are all source passages or all claims (a document, or the topic notes). */
export function countTerms(chunks: readonly Chunk[]): TermCounts {
  const df = new Map<string, number>();
  const sectionTerms = new Set<string>();
  const surface = new Map<string, string>();
  let sentences = 0;
  for (const chunk of chunks) {
    for (const span of chunk.sentences) {
      const text = spanText(chunk, span);
      const textWords = words(text);
      // Function words are no spelling targets: "three" is not a typo of "there".
      for (const w of textWords) if (w.length >= 4 && !STOPWORDS.has(w) && !surface.has(w)) surface.set(w, stem(w));
      sentences++;
      for (const t of sentenceTerms(chunk, text, textWords)) df.set(t, (df.get(t) ?? 0) + 1);
    }
    for (const t of contentTerms(chunk.section.join(" "))) sectionTerms.add(t);
  }
  return { sentences, df: Object.fromEntries(df), sectionTerms: [...sectionTerms], surface: Object.fromEntries(surface) };
}

/**
 * The corpus's statistics from its documents' counts and the claims' counts. Document frequency
 * counts the sources: claims restate them and would skew rarity. Words only the claims use
 * (everyday words such as "deadline") take their frequency among the claims.
 */
export function mergeTermCounts(documents: Iterable<TermCounts>, claims: TermCounts): TermStats {
  const df = new Map<string, number>();
  const surface = new Map<string, string>();
  const sectionTerms = new Set<string>();
  let sentences = 0;
  for (const counts of [...documents, claims]) {
    if (counts !== claims) {
      sentences += counts.sentences;
      for (const [t, f] of Object.entries(counts.df)) df.set(t, (df.get(t) ?? 0) + f);
    }
    for (const t of counts.sectionTerms) sectionTerms.add(t);
    for (const [w, st] of Object.entries(counts.surface)) surface.set(w, st);
  }
  for (const t of sectionTerms) if (!df.has(t)) df.set(t, 1);
  for (const [t, f] of Object.entries(claims.df)) if (!df.has(t)) df.set(t, f);
  return { sentences, df: Object.fromEntries(df), surface: Object.fromEntries(surface) };
}

/** The statistics of a whole index (source passages and glossary entries by document, claims apart). */
export function computeTermStats(chunks: readonly Chunk[]): TermStats {
  const byDocument = new Map<string, Chunk[]>();
  for (const chunk of chunks) if (!chunk.claim) byDocument.set(chunk.sourceId, [...(byDocument.get(chunk.sourceId) ?? []), chunk]);
  return mergeTermCounts(
    [...byDocument.values()].map(countTerms),
    countTerms(chunks.filter((c) => c.claim)),
  );
}
