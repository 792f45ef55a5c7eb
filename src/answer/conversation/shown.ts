/**
 * Whether a sentence was already shown in earlier answers ("tell me more" must bring the next
 * best evidence, not the same). Answers render quotes with their first letter capitalised,
 * line breaks collapsed and [n] markers added, so both sides are compared as plain lower-case
 * words. Fragments of fewer than three words ("Security") are never counted as shown: they
 * occur inside unrelated sentences.
 */
export function shownIn(texts: readonly string[]): (text: string) => boolean {
  const shown = texts.map(plainWords).join(" | ");
  return (text) => {
    const words = plainWords(text);
    return words.split(" ").length >= 3 && shown.includes(words);
  };
}

function plainWords(text: string): string {
  return text
    .toLowerCase()
    .replace(/\[\d+\]/g, " ")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}
