import { sha256 } from "../corpus/load.ts";
import { STOPWORDS, words } from "../text/terms.ts";

/**
 * Texts the index measures its HNSW recall on (src/index/hnsw-calibrate.ts). They must be as hard
 * for the graph as people's questions are: a sentence's own embedding sits right next to the chunk
 * that holds it, so sentence vectors chose ef 40 at 1000x the corpus where questions needed 200.
 * Short texts are what questions look like to the model (a few content words, a broken-off phrase),
 * so each sampled sentence gives two: its opening words, and three of its content words. At 100x,
 * these chose the ef the dev and probe questions needed, and sentence vectors half of it.
 */
export interface CalibrationText {
  /** Vector-cache key (its own namespace, so it never collides with a sentence's key). */
  hash: string;
  text: string;
}

/** Sentences sampled; each gives up to two texts. */
export const CALIBRATION_SENTENCES = 100;

/**
 * The sample is the sentences with the smallest keys (a bottom-k sketch), not every n-th one:
 * adding or changing a document replaces a few of them at most, so a re-ingest finds almost all
 * calibration texts in the vector cache instead of embedding a new set.
 */
export function calibrationTexts(sentences: Iterable<{ hash: string; text: () => string }>, count = CALIBRATION_SENTENCES): CalibrationText[] {
  const smallest: { hash: string; text: () => string }[] = [];
  for (const sentence of sentences) {
    if (smallest.length === count && sentence.hash >= smallest[count - 1]!.hash) continue;
    let at = smallest.length;
    while (at > 0 && smallest[at - 1]!.hash > sentence.hash) at--;
    // A sentence repeated across documents (one key) is sampled once.
    if (at > 0 && smallest[at - 1]!.hash === sentence.hash) continue;
    smallest.splice(at, 0, sentence);
    if (smallest.length > count) smallest.pop();
  }
  const texts = new Map<string, CalibrationText>();
  for (const sentence of smallest) {
    for (const text of questionLikeTexts(sentence.text(), Number.parseInt(sentence.hash.slice(0, 8), 16))) {
      const hash = sha256(`calibration:${text}`);
      texts.set(hash, { hash, text });
    }
  }
  return [...texts.values()];
}

/**
 * A sentence's opening words (3 to 6, until two of them are content words: "it is a" asks
 * nothing), and three of its content words spread across it; `seed` varies where they are taken.
 */
function questionLikeTexts(sentence: string, seed: number): string[] {
  const all = words(sentence);
  const isContent = (w: string) => w.length >= 5 && !STOPWORDS.has(w);
  const content = all.filter(isContent);
  const out: string[] = [];
  let end = Math.min(all.length, 3 + (seed % 4));
  while (end < Math.min(all.length, 6) && all.slice(0, end).filter(isContent).length < 2) end++;
  if (end >= 3 && all.slice(0, end).filter(isContent).length >= 2) out.push(all.slice(0, end).join(" "));
  if (content.length >= 3) out.push([0, 1, 2].map((i) => content[Math.floor(((i + (seed % 3) / 3) * content.length) / 3) % content.length]).join(" "));
  return out;
}
