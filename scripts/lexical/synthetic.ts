/**
 * A deterministic synthetic corpus for the lexical bench: chunk-sized texts (60-250 words)
 * recombined from the real corpus's sentences (loaded, cleaned and chunked by the project's own
 * pipeline), with words of a Zipf-distributed synthetic vocabulary mixed in, so that posting
 * lists range from huge (the corpus's own words) to tiny (the long tail), as in a real library.
 */
import { loadSourceDocuments } from "../../src/corpus/load.ts";
import type { Settings } from "../../src/config/settings.ts";
import type { LexicalDocument } from "../../src/index/lexical.ts";
import { chunkDocument } from "../../src/ingest/chunk.ts";
import { cleanBody } from "../../src/ingest/pipeline.ts";
import { seededRandom, zipfSampler } from "../scale/generate-corpus.ts";

const SYLLABLES = "ka ro mi tesu van lor pel dri quo zan fi nu bex tor gal shi wen ux ola prim sed vok lu mar ten qui".split(" ");

/** The n-th synthetic word, pronounceable and distinct ("karomi", "vanlor"...). */
function syntheticWord(n: number): string {
  let word = "";
  let rest = n + SYLLABLES.length;
  while (rest > 0) {
    word += SYLLABLES[rest % SYLLABLES.length];
    rest = Math.floor(rest / SYLLABLES.length);
  }
  return word;
}

export interface SyntheticCorpus {
  documents: LexicalDocument[];
  /** The real corpus's sentences, for building queries. */
  sentences: string[];
}

export async function syntheticCorpus(settings: Settings, count: number, seed = 13): Promise<SyntheticCorpus> {
  const docs = await loadSourceDocuments(settings.CORPUS_DIR, settings.rootDir);
  const sentences: string[] = [];
  const sections: string[] = [];
  for (const doc of docs) {
    const { blocks } = cleanBody(doc, { includeComments: settings.INCLUDE_COMMENTS, includeFlagged: settings.INCLUDE_FLAGGED_PASSAGES });
    for (const chunk of chunkDocument(doc, blocks)) {
      sections.push(chunk.section.slice(1).join(" "));
      for (const span of chunk.sentences) sentences.push(doc.raw.slice(span.start, span.end).replace(/\s+/g, " ").trim());
    }
  }
  const random = seededRandom(seed);
  const rank = zipfSampler(50_000, 1.1);
  const noise = () => rank(random);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const documents: LexicalDocument[] = [];
  for (let n = 0; n < count; n++) {
    const target = 60 + Math.floor(random() * 191);
    const parts: string[] = [];
    let words = 0;
    while (words < target) {
      const sentence = pick(sentences).split(" ");
      // About one word in eight comes from the synthetic long tail.
      const mixed = sentence.flatMap((w) => (random() < 0.12 ? [w, syntheticWord(noise())] : [w]));
      parts.push(mixed.join(" "));
      words += mixed.length;
    }
    documents.push({ id: `synthetic:${n}`, text: parts.join(" "), section: random() < 0.1 ? `${pick(sections)} ${syntheticWord(noise())}` : pick(sections), terms: "", title: "" });
  }
  return { documents, sentences };
}

/** One edit (drop, double, swap or replace a letter) in a word of 5+ letters: what people type in chat. */
function typo(word: string, random: () => number): string {
  const i = 1 + Math.floor(random() * (word.length - 2));
  switch (Math.floor(random() * 4)) {
    case 0:
      return word.slice(0, i) + word.slice(i + 1);
    case 1:
      return word.slice(0, i) + word[i] + word.slice(i);
    case 2:
      return word.slice(0, i - 1) + word[i] + word[i - 1] + word.slice(i + 1);
    default:
      return word.slice(0, i) + "etaoinshr"[Math.floor(random() * 9)] + word.slice(i + 1);
  }
}

/** Short queries (2-3 consecutive words of a real sentence) with one typo in their longest word. */
export function typoQueries(sentences: string[], count: number, seed = 7): string[] {
  const random = seededRandom(seed);
  const queries: string[] = [];
  while (queries.length < count) {
    const words = sentences[Math.floor(random() * sentences.length)]!.toLowerCase().match(/[a-z]+/g) ?? [];
    if (words.length < 4) continue;
    const start = Math.floor(random() * (words.length - 3));
    const phrase = words.slice(start, start + 2 + Math.floor(random() * 2));
    const longest = phrase.reduce((a, b, i) => (b.length > phrase[a]!.length ? i : a), 0);
    if (phrase[longest]!.length < 5) continue;
    phrase[longest] = typo(phrase[longest]!, random);
    queries.push(phrase.join(" "));
  }
  return queries;
}
