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
  minCoverage: 0.42,
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
  const sentences = texts.flatMap((t) => t.split(/(?<=[.!?])\s+/));
  const unmet: string[] = [
    ...query.question.figures.filter((f) => !texts.some((t) => t.includes(f))),
    // A name the corpus never uses (by any spelling close enough to be a typo) is something it cannot speak about.
    ...query.question.names.filter((n) => knowledge.resolve(n.toLowerCase()) === undefined && knowledge.sourcesNamedIn(n).size === 0),
  ];
  // The sources are dated; a figure "as of now" is only there if a passage states one in the present.
  const statesCurrentFigure = (s: string) => /\b(?:today|now|currently)\b/i.test(s) && /\d/.test(s);
  if (query.question.wantsCurrentFigure && !sentences.some(statesCurrentFigure)) unmet.push("current figures (the sources' figures are dated)");
  // A price or pay figure is only there if a passage states an amount of money about a price, rate or pay.
  const statesAmount = (s: string) => MONEY.test(s) && /[$€£₹]\s?\d|\d\s*(?:dollars|rupees|usd|inr|eur|pesos)\b/i.test(s);
  if (query.question.wantsAmount && !sentences.some(statesAmount)) unmet.push("prices, rates or pay (the sources give no amounts for them)");
  // What actually happened is not what was forecast: figures the sources give only as predictions do not answer it.
  if (query.question.wantsActual) {
    const withFigures = texts.slice(0, 12).flatMap((t) => t.split(/(?<=[.!?])\s+/)).filter((s) => /\d/.test(s));
    const onTopic = query.question.figures.length ? withFigures.filter((s) => query.question.figures.some((f) => s.includes(f))) : withFigures;
    const FORECAST = /\b(?:predict\w*|expect\w*|forecast\w*|estimat\w*|anticipat\w*|projected|would|will)\b/i;
    if (onTopic.length && onTopic.every((s) => FORECAST.test(s))) unmet.push("actual figures (the sources give forecasts only)");
  }
  // A ranking of companies is only there if a passage ranks companies.
  const ranksCompanies = (s: string) => /\b(?:top|largest|biggest|leading|rank\w*)\b/i.test(s) && /\b(?:compan|firm|vendor|provider|player|supplier)\w*/i.test(s);
  if (query.question.wantsRanking && !sentences.some(ranksCompanies)) unmet.push("rankings of companies or vendors (no source ranks them)");
  const answerable = best >= THRESHOLDS.minCoverage || (best >= THRESHOLDS.minCoverageWithDense && dense >= THRESHOLDS.minDense);
  return { coverage: round(best), dense: round(dense), answerable, unmet };
}
