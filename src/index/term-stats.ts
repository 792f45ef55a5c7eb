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

export function computeTermStats(chunks: readonly Chunk[]): TermStats {
  const df = new Map<string, number>();
  const claimDf = new Map<string, number>();
  const surface = new Map<string, string>();
  let sentences = 0;
  for (const chunk of chunks) {
    for (const span of chunk.sentences) {
      const text = spanText(chunk, span);
      const textWords = words(text);
      const terms = sentenceTerms(chunk, text, textWords);
      // Function words are no spelling targets: "three" is not a typo of "there".
      for (const w of textWords) if (w.length >= 4 && !STOPWORDS.has(w) && !surface.has(w)) surface.set(w, stem(w));
      // Document frequency counts the sources: claims restate them and would skew rarity. Words only the
      // claims use (everyday words such as "deadline") take their frequency among the claims.
      if (chunk.claim) {
        for (const t of terms) claimDf.set(t, (claimDf.get(t) ?? 0) + 1);
      } else {
        sentences++;
        for (const t of terms) df.set(t, (df.get(t) ?? 0) + 1);
      }
    }
    for (const t of contentTerms(chunk.section.join(" "))) df.set(t, df.get(t) ?? 1);
  }
  for (const [t, f] of claimDf) if (!df.has(t)) df.set(t, f);
  return { sentences, df: Object.fromEntries(df), surface: Object.fromEntries(surface) };
}
