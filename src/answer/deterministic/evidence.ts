import type { Passage } from "../types.ts";
import { MONEY, type AnalyzedQuestion } from "./question.ts";

/**
 * What a question pins down that dated, descriptive sources cannot give, checked against the
 * passages retrieved for it: a figure "as of now", a price or pay amount, what actually happened
 * where the sources only forecast, a ranking of companies. Each unmet one is named in the answer.
 */
export function unmetFlags(question: AnalyzedQuestion, passages: Passage[]): string[] {
  const texts = passages.filter((p) => p.kind !== "comment").map((p) => (p.claim ? `${p.text} ${p.claim.evidence.map((e) => e.quote).join(" ")}` : p.text));
  const sentences = texts.flatMap((t) => t.split(/(?<=[.!?])\s+/));
  const unmet: string[] = [];
  // The sources are dated; a figure "as of now" is only there if a passage states one in the present.
  const statesCurrentFigure = (s: string) => /\b(?:today|now|currently)\b/i.test(s) && /\d/.test(s);
  if (question.wantsCurrentFigure && !sentences.some(statesCurrentFigure)) unmet.push("current figures (the sources' figures are dated)");
  // A price or pay figure is only there if a passage states an amount of money about a price, rate or pay.
  const statesAmount = (s: string) => MONEY.test(s) && /[$€£₹]\s?\d|\d\s*(?:dollars|rupees|usd|inr|eur|pesos)\b/i.test(s);
  if (question.wantsAmount && !sentences.some(statesAmount)) unmet.push("prices, rates or pay (the sources give no amounts for them)");
  // What actually happened is not what was forecast: figures the sources give only as predictions do not answer it.
  if (question.wantsActual) {
    const withFigures = texts.slice(0, 12).flatMap((t) => t.split(/(?<=[.!?])\s+/)).filter((s) => /\d/.test(s));
    const onTopic = question.figures.length ? withFigures.filter((s) => question.figures.some((f) => s.includes(f))) : withFigures;
    const FORECAST = /\b(?:predict\w*|expect\w*|forecast\w*|estimat\w*|anticipat\w*|projected|would|will)\b/i;
    if (onTopic.length && onTopic.every((s) => FORECAST.test(s))) unmet.push("actual figures (the sources give forecasts only)");
  }
  // A ranking of companies is only there if a passage ranks companies.
  const ranksCompanies = (s: string) => /\b(?:top|largest|biggest|leading|rank\w*)\b/i.test(s) && /\b(?:compan|firm|vendor|provider|player|supplier)\w*/i.test(s);
  if (question.wantsRanking && !sentences.some(ranksCompanies)) unmet.push("rankings of companies or vendors (no source ranks them)");
  return unmet;
}
