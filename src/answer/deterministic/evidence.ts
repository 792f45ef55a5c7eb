import type { Passage } from "../types.ts";
import type { Knowledge } from "./knowledge.ts";
import { contentTerms } from "../../text/terms.ts";
import { MONEY } from "./question.ts";
import { coverage, round, type Query } from "./scoring.ts";

/**
 * The evidence gate: whether the retrieved passages cover the question's topic (its words,
 * weighted by rarity, filler left out; or its meaning, for a strong semantic match), and
 * whether every constraint the question sets (a year, a figure, a named place or company)
 * occurs in them. Thresholds were calibrated on eval/dev.jsonl with `npm run eval`.
 */
export const THRESHOLDS = {
  /** Share of the question's weighted words the best passage must cover for an answer. */
  minCoverage: 0.45,
  /** A strong semantic match can stand in for word coverage down to this floor. */
  minCoverageWithDense: 0.3,
  minDense: 0.55,
};

export interface EvidenceCheck {
  coverage: number;
  dense: number;
  answerable: boolean;
  /** Constraints of the question that no passage satisfies ("2022", "Manila"). */
  unmet: string[];
}

function passageText(p: Passage): string {
  return p.claim ? `${p.text} ${p.claim.evidence.map((e) => e.quote).join(" ")}` : p.text;
}

export function assessEvidence(knowledge: Knowledge, query: Query, passages: Passage[]): EvidenceCheck {
  let best = 0;
  let dense = 0;
  for (const p of passages.slice(0, 12)) {
    const sentences = knowledge.sentencesByChunk.get(p.id) ?? [];
    const present = new Set(contentTerms(`${p.section.slice(1).join(" ")} ${p.kind === "glossary" ? p.title : ""}`));
    for (const s of sentences) for (const t of s.terms) present.add(t);
    best = Math.max(best, coverage(query.terms, present));
    for (const s of sentences) dense = Math.max(dense, knowledge.similarity(query.vector, s));
  }
  const texts = passages.filter((p) => p.kind !== "comment").map(passageText);
  const unmet: string[] = [
    ...query.question.figures.filter((f) => !texts.some((t) => t.includes(f))),
    // A name the corpus never uses (by any spelling close enough to be a typo) is something it cannot speak about.
    ...query.question.names.filter((n) => knowledge.resolve(n.toLowerCase()) === undefined),
  ];
  // The sources are dated; a figure "as of now" is only there if a passage states one in the present.
  const statesCurrentFigure = (t: string) => t.split(/(?<=[.!?])\s+/).some((s) => /\b(?:today|now|currently)\b/i.test(s) && /\d/.test(s));
  if (query.question.wantsCurrentFigure && !texts.some(statesCurrentFigure)) unmet.push("current figures (the sources' figures are dated)");
  // A price or pay figure is only there if a passage states an amount of money about a price, rate or pay.
  const statesAmount = (t: string) => t.split(/(?<=[.!?])\s+/).some((s) => MONEY.test(s) && /[$€£₹]\s?\d|\d\s*(?:dollars|rupees|usd|inr|eur|pesos)\b/i.test(s));
  if (query.question.wantsAmount && !texts.some(statesAmount)) unmet.push("prices, rates or pay (the sources give no amounts for them)");
  const answerable = best >= THRESHOLDS.minCoverage || (best >= THRESHOLDS.minCoverageWithDense && dense >= THRESHOLDS.minDense);
  return { coverage: round(best), dense: round(dense), answerable, unmet };
}
