import type { Assistant } from "../assistant-types.ts";
import type { AnswerMode } from "../schema/answer.ts";
import type { EvalQuestion } from "./questions.ts";
import { inputRejection, scoreAnswer, type Verdict } from "./score.ts";

/**
 * Metamorphic evaluation: each question is rewritten by rules that change how it is typed but
 * not what it asks (a preamble, politeness, a typo, chat shorthand, clause order, a markup
 * wrapper). A robust assistant gives each variant the same status and the same key facts as
 * the original; "stability" is the share of variants that do.
 */
export const PARAPHRASE_RULES = ["preamble", "politeness", "typo", "shorthand", "reorder", "markup"] as const;
export type ParaphraseRule = (typeof PARAPHRASE_RULES)[number];

const PREAMBLES = ["Quick question, I'm new here.", "Sorry if this was asked before.", "Something came up in a meeting today.", "I'm reading up on outsourcing for a project."];

/** A stable small hash, so the same question always gets the same variant. */
function seed(text: string): number {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h;
}

function typo(question: string): string {
  // Swap two inner letters of the longest ordinary word (acronyms and numbers are left alone).
  const candidates = [...question.matchAll(/\b[a-z]{6,}\b/g)].sort((a, b) => b[0].length - a[0].length || a.index! - b.index!);
  const word = candidates[0];
  if (!word) return question;
  const w = word[0];
  const i = 1 + (seed(w) % (w.length - 3));
  const swapped = w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2);
  return question.slice(0, word.index) + swapped + question.slice(word.index! + w.length);
}

function shorthand(question: string): string {
  return question
    .toLowerCase()
    .replace(/\bwhat is\b/g, "whats")
    .replace(/\byou\b/g, "u")
    .replace(/\bare\b/g, "r")
    .replace(/\band\b/g, "&")
    .replace(/\bplease\b/g, "pls")
    .replace(/[?.!]+\s*$/, "");
}

function reorder(question: string): string {
  const body = question.trim().replace(/[?.!]+$/, "");
  // "A, B" -> "B, A"; otherwise the last words move to the front as the topic.
  const comma = body.indexOf(", ");
  if (comma > 0) return `${body.slice(comma + 2)}, ${body.slice(0, comma).charAt(0).toLowerCase()}${body.slice(1, comma)}?`;
  const words = body.split(/\s+/);
  if (words.length < 5) return `${body}? (asking about outsourcing)`;
  return `Regarding ${words.slice(-2).join(" ")}: ${body}?`;
}

export function paraphrase(question: string, rule: ParaphraseRule): string {
  const q = question.trim();
  switch (rule) {
    case "preamble":
      return `${PREAMBLES[seed(q) % PREAMBLES.length]} ${q}`;
    case "politeness":
      return `Hi! Could you help me with this: ${q.charAt(0).toLowerCase()}${q.slice(1)} Thanks a lot!`;
    case "typo":
      return typo(q);
    case "shorthand":
      return shorthand(q);
    case "reorder":
      return reorder(q);
    case "markup":
      return `<p><b>${q}</b></p>`;
  }
}

export interface VariantResult {
  id: string;
  rule: ParaphraseRule;
  question: string;
  stable: boolean;
  /** Why a variant is unstable: status change or key facts lost. */
  reason: string;
}

/** Whether a variant keeps the original's status and every key-fact group the original matched. */
export function compareVerdicts(original: Verdict, variant: Verdict, groups: number): { stable: boolean; reason: string } {
  if (variant.shown !== original.shown) return { stable: false, reason: `status ${variant.shown}, original ${original.shown}` };
  const matched = (v: Verdict) => new Set(Array.from({ length: groups }, (_, i) => i + 1).filter((g) => !v.missingGroups.includes(g)));
  const lost = [...matched(original)].filter((g) => !matched(variant).has(g));
  return lost.length ? { stable: false, reason: `lost key-fact group ${lost.join(", ")}` } : { stable: true, reason: "same status and key facts" };
}

/**
 * Asks every variant of every answerable or out-of-scope question (adversarial and rejected
 * questions have no meaning to preserve) and compares it with the original's verdict.
 */
export async function runParaphrases(
  assistant: Pick<Assistant, "ask">,
  questions: EvalQuestion[],
  mode: AnswerMode,
  onProgress?: (done: number, total: number) => void,
): Promise<VariantResult[]> {
  // A conversation's last turn means nothing without its history: only standalone questions are paraphrased.
  const eligible = questions.filter((q) => q.category !== "adversarial" && !q.turns && inputRejection(q.question) === undefined);
  const results: VariantResult[] = [];
  const total = eligible.length * PARAPHRASE_RULES.length;
  for (const q of eligible) {
    const original = scoreAnswer(q, { answer: await assistant.ask(q.question, { mode }) });
    for (const rule of PARAPHRASE_RULES) {
      const question = paraphrase(q.question, rule);
      const verdict = scoreAnswer(q, { answer: await assistant.ask(question, { mode }) });
      results.push({ id: q.id, rule, question, ...compareVerdicts(original, verdict, q.must_include_any.length) });
      onProgress?.(results.length, total);
    }
  }
  return results;
}

export interface StabilityReport {
  overall: { variants: number; stable: number; rate: number };
  byRule: Record<ParaphraseRule, { variants: number; stable: number; rate: number }>;
  unstable: VariantResult[];
}

export function stabilityReport(results: VariantResult[]): StabilityReport {
  const summarize = (rs: VariantResult[]) => {
    const stable = rs.filter((r) => r.stable).length;
    return { variants: rs.length, stable, rate: rs.length ? stable / rs.length : 1 };
  };
  const byRule = Object.fromEntries(PARAPHRASE_RULES.map((rule) => [rule, summarize(results.filter((r) => r.rule === rule))])) as StabilityReport["byRule"];
  return { overall: summarize(results), byRule, unstable: results.filter((r) => !r.stable) };
}

export function formatStability(report: StabilityReport): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = ["", "Paraphrase stability (same status and key facts as the original):", "rule        variants  stable"];
  for (const rule of PARAPHRASE_RULES) {
    const r = report.byRule[rule];
    lines.push(`${rule.padEnd(10)}  ${String(r.variants).padStart(8)}  ${pct(r.rate).padStart(6)}`);
  }
  lines.push(`${"overall".padEnd(10)}  ${String(report.overall.variants).padStart(8)}  ${pct(report.overall.rate).padStart(6)}`);
  if (report.unstable.length) {
    lines.push("", "Unstable variants:");
    for (const u of report.unstable) lines.push(`  ${u.id} ${u.rule.padEnd(10)} ${u.reason.padEnd(34)} ${u.question.slice(0, 90)}`);
  }
  return lines.join("\n");
}
