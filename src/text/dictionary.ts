import { createRequire } from "node:module";

let words: Set<string> | undefined;

/**
 * Whether a lower-case word is an English word (a 275,000-word list, `an-array-of-english-words`).
 * Spelling correction only touches words that are not: a real word the corpus never uses is what
 * the user meant. Loaded on first use (about 60 ms), not at start-up.
 */
export function isEnglishWord(word: string): boolean {
  words ??= new Set(createRequire(import.meta.url)("an-array-of-english-words") as string[]);
  return words.has(word);
}
