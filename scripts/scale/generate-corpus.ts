/**
 * A deterministic synthetic corpus `factor` times the size of the real one, for `npm run
 * bench:scale`. It recombines the seed documents' own sentences (taken through the project's
 * loading and cleaning, so only article text is reused) into Markdown documents of realistic
 * length, and adds controlled noise so the vocabulary looks like a real collection's:
 *
 * - each document draws a few "topic words" from a large invented vocabulary with a Zipf
 *   spread (a few words are common, most are rare), and some of its sentences mention them;
 * - numbers in reused sentences are shifted, so figures differ between documents.
 *
 * Without the noise every posting list would hold every document and BM25 would measure the
 * worst case only. The real corpus (the five sources, glossary, topic notes) is copied as is, so
 * the claims' evidence still resolves and the dev questions keep their answers.
 */
import { copyFile, cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { loadSourceDocuments } from "../../src/corpus/load.ts";
import { cleanBody } from "../../src/ingest/pipeline.ts";
import { splitSentences } from "../../src/ingest/sentences.ts";

/** Bumped when the output changes, so a cached corpus from an older generator is rebuilt. */
export const GENERATOR_VERSION = 2;

/** Documents per factor: the measurements used ~5.6 documents per 1x (565 at 100x). */
const DOCUMENTS_PER_FACTOR = 5.6;
const VOCABULARY_SIZE = 40_000;

export interface SeedText {
  sentences: string[];
  headings: string[];
}

export interface GeneratedCorpus {
  corpusDir: string;
  documents: number;
  /** Synthetic documents, in generation order (relative to corpusDir/sources). */
  synthetic: string[];
}

/** mulberry32: a small seeded generator, so every run writes the same corpus. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sentences and headings of the seed corpus's article text (boilerplate and comments left out). */
export async function seedText(rootDir: string): Promise<SeedText> {
  const docs = await loadSourceDocuments(path.join(rootDir, "corpus"), rootDir, () => undefined);
  const sentences = new Set<string>();
  const headings = new Set<string>();
  for (const doc of docs) {
    for (const block of cleanBody(doc, { includeComments: false, includeFlagged: false }).blocks) {
      const text = block.text.replace(/\s+/g, " ").trim();
      if (block.kind === "heading") {
        if (block.level > 1 && text.length <= 60) headings.add(text.replace(/^=+\s*|\s*=+$/g, ""));
        continue;
      }
      if (block.kind !== "text") continue;
      for (const span of splitSentences(text)) {
        const sentence = text.slice(span.start, span.end);
        const words = sentence.split(" ").length;
        // Whole sentences only: fragments and glued menus make poor prose.
        if (words >= 6 && words <= 60 && /[.!?]$/.test(sentence)) sentences.add(sentence);
      }
    }
  }
  return { sentences: [...sentences], headings: [...headings].filter(Boolean) };
}

/** Pronounceable invented words ("tavoren", "miskal"), so the tokenizer and stemmer treat them as words. */
function vocabulary(size: number, random: () => number): string[] {
  const onsets = ["b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "tr", "st", "pl", "gr", "sk"];
  const vowels = ["a", "e", "i", "o", "u", "ai", "ou"];
  const codas = ["", "n", "r", "l", "s", "m", "x", "nd", "rk"];
  const words = new Set<string>();
  while (words.size < size) {
    const syllables = 2 + Math.floor(random() * 2);
    let word = "";
    for (let s = 0; s < syllables; s++) word += pick(onsets, random) + pick(vowels, random) + (s === syllables - 1 ? pick(codas, random) : "");
    words.add(word);
  }
  return [...words];
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Rank r drawn with probability proportional to 1 / r^s (Zipf), by inverting the cumulative sum. */
export function zipfSampler(size: number, s: number): (random: () => number) => number {
  const cumulative = new Float64Array(size);
  let total = 0;
  for (let r = 0; r < size; r++) cumulative[r] = total += 1 / (r + 1) ** s;
  return (random) => {
    const target = random() * total;
    let lo = 0;
    let hi = size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const capitalise = (word: string) => word[0]!.toUpperCase() + word.slice(1);

/** A reused sentence with its figures shifted and, sometimes, a mention of the document's topic words. */
function noisy(sentence: string, topicWords: string[], random: () => number): string {
  // Years stay as they are (a shifted "2010" would become a date in the future).
  const shift = (n: string) => (/^(19|20)\d\d$/.test(n) || random() < 0.5 ? n : String(Math.max(1, Math.round(Number(n) * (0.5 + random())))));
  let out = sentence.replace(/\b\d+(\.\d+)?\b/g, shift);
  if (random() < 0.4) {
    const a = pick(topicWords, random);
    const b = pick(topicWords, random);
    const phrase = random() < 0.5 ? ` in the ${a} ${b} sector` : `, as ${capitalise(a)} ${capitalise(b)} reported`;
    out = out.replace(/([.!?])$/, `${phrase}$1`);
  }
  return out;
}

/** One synthetic Markdown document (front matter, headings, paragraphs). */
function document(index: number, seed: SeedText, words: string[], zipf: (random: () => number) => number, random: () => number): string {
  const topicWords = Array.from({ length: 6 }, () => words[zipf(random)]!);
  // Documents lean on a stretch of the seed text (as real articles share a subject), then wander.
  const home = Math.floor(random() * seed.sentences.length);
  const paragraphs = 2 + Math.floor(random() * 11);
  const lines = [
    "---",
    `title: "${capitalise(topicWords[0]!)} and ${pick(seed.headings, random).toLowerCase()} (${index + 1})"`,
    `publisher: "${capitalise(topicWords[1]!)} Review"`,
    "---",
    "",
  ];
  for (let p = 0; p < paragraphs; p++) {
    if (p % 4 === 0) lines.push(`## ${pick(seed.headings, random)}`, "");
    const sentences = 2 + Math.floor(random() * 4);
    const paragraph: string[] = [];
    for (let s = 0; s < sentences; s++) {
      const at = random() < 0.6 ? (home + Math.floor(random() * 40)) % seed.sentences.length : Math.floor(random() * seed.sentences.length);
      paragraph.push(noisy(seed.sentences[at]!, topicWords, random));
    }
    lines.push(paragraph.join(" "), "");
  }
  return lines.join("\n");
}

/**
 * Writes `<outDir>/corpus`: the real corpus plus round(5.6 x (factor - 1)) synthetic documents.
 * A corpus already written by this generator version for this factor is reused.
 */
export async function generateCorpus(rootDir: string, outDir: string, factor: number): Promise<GeneratedCorpus> {
  const corpusDir = path.join(outDir, "corpus");
  const count = Math.round(DOCUMENTS_PER_FACTOR * (factor - 1));
  const synthetic = Array.from({ length: count }, (_, i) => `synthetic-${String(i).padStart(5, "0")}.md`);
  const stamp = path.join(outDir, "generated.json");
  const expected = JSON.stringify({ version: GENERATOR_VERSION, factor, documents: count + 5 });
  if ((await readFile(stamp, "utf8").catch(() => "")) === expected) return { corpusDir, documents: count + 5, synthetic };

  await rm(outDir, { recursive: true, force: true });
  await mkdir(path.join(corpusDir, "sources"), { recursive: true });
  for (const sub of ["sources", "glossary", "topics"]) await cp(path.join(rootDir, "corpus", sub), path.join(corpusDir, sub), { recursive: true });
  await copyFile(path.join(rootDir, "corpus", "sources.json"), path.join(corpusDir, "sources.json"));
  const seed = await seedText(rootDir);
  const random = seededRandom(factor * 7919 + GENERATOR_VERSION);
  const words = vocabulary(VOCABULARY_SIZE, random);
  const zipf = zipfSampler(words.length, 1.07);
  for (const [i, name] of synthetic.entries()) {
    await writeFile(path.join(corpusDir, "sources", name), document(i, seed, words, zipf, random));
  }
  await writeFile(stamp, expected);
  return { corpusDir, documents: count + 5, synthetic };
}
