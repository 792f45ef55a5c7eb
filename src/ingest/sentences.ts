import type { Span } from "../schema/passage.ts";

/**
 * Sentence segmentation with offsets. Web captures glue sentences and list items together
 * when markup is stripped ("experts.Companies", "consultantsResearch and development"), so
 * besides the usual ". Next" boundary this also splits those glued joins.
 */

const ABBREVIATIONS = new Set(["e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "prof", "inc", "ltd", "co", "corp", "no", "st", "jr", "sr", "u.s", "u.k", "approx", "fig", "al"]);

function isAbbreviation(text: string, dotIndex: number): boolean {
  const before = text.slice(0, dotIndex);
  const word = /([\p{L}.]+)$/u.exec(before)?.[1]?.toLowerCase() ?? "";
  if (ABBREVIATIONS.has(word)) return true;
  // Initials such as "A. B. Kelsey" or "U.S.".
  return /(^|[\s.])\p{Lu}$/u.test(before);
}

/** Splits `text` (which starts at absolute offset `base`) into trimmed sentence spans. */
export function splitSentences(text: string, base = 0): Span[] {
  const cuts: number[] = [];
  const boundary = /[.!?…]+["'”’)\]]*(\s+)(?=["'“‘(\[]?[\p{Lu}\p{N}])|[.!?](?=\p{Lu}\p{Ll})/gu;
  let m: RegExpExecArray | null;
  while ((m = boundary.exec(text))) {
    const dot = m.index + m[0].search(/[.!?…]/u);
    if (text[dot] === "." && isAbbreviation(text, dot)) continue;
    cuts.push(m.index + m[0].length - (m[1]?.length ?? 0));
  }
  // Glued list items: only in a line with no sentence punctuation, where several lowercase->Capital joins occur.
  if (!/[.!?;]/.test(text)) {
    const glue = [...text.matchAll(/(?<=[\p{Ll})])(?=\p{Lu}\p{Ll})/gu)].map((g) => g.index!);
    if (glue.length >= 2) cuts.push(...glue);
  }
  cuts.sort((a, b) => a - b);
  const spans: Span[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    const piece = text.slice(from, cut);
    const lead = piece.length - piece.trimStart().length;
    const trimmed = piece.trim();
    if (trimmed) spans.push({ start: base + from + lead, end: base + from + lead + trimmed.length });
    from = cut;
  }
  return spans;
}
