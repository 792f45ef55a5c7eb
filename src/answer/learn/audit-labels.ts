import { readFile } from "node:fs/promises";
import { z } from "zod";
import { normalizeText } from "../../eval/score.ts";
import type { Unit } from "../deterministic/units.ts";

/**
 * A strict reader's grading of one answer (eval/AUDIT.md): a grade from 1 to 5 and defect tags.
 * The readings of the blind sets at first sight (eval/audits/*-first-sight.jsonl) say what keyword
 * labels cannot: whether the sentence an answer opened with answers the question at all.
 */
const auditLineSchema = z.object({ id: z.string(), grade: z.number().int().min(1).max(5), tags: z.array(z.string()), comment: z.string().optional() });
const answerLineSchema = z.object({ id: z.string(), status: z.string(), answer: z.string() });

export interface AuditedAnswer {
  grade: number;
  tags: string[];
  /** The sentences the graded answer showed, in order, each as it was cited (normalised, markers removed). */
  shown: string[];
}

/** The cited sentences of a rendered answer: the text before each run of citation markers. */
export function shownSentences(answer: string): string[] {
  if (!/\[\d+\]/.test(answer)) return [];
  const pieces = answer.split(/(?:\s*\[\d+\])+/);
  pieces.pop(); // what follows the last marker is not a cited sentence
  return pieces.map((s) => normalizeText(s.replace(/^\s*[-*•]\s*/gm, " ")).trim()).filter((s) => s.length > 0);
}

/** The audited answers of one reading: the audit file joined with the answers it graded, by question id. */
export async function loadAudit(auditFile: string, answersFile: string): Promise<Map<string, AuditedAnswer>> {
  const lines = async <T>(file: string, schema: z.ZodType<T>) =>
    (await readFile(file, "utf8"))
      .split("\n")
      .filter((l) => l.trim())
      .map((l, i) => {
        let json: unknown;
        try {
          json = JSON.parse(l);
        } catch (error) {
          throw new Error(`${file}:${i + 1}: not JSON (${(error as Error).message})`);
        }
        const parsed = schema.safeParse(json);
        if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues.map((x) => x.message).join("; ")}`);
        return parsed.data;
      });
  const answers = new Map((await lines(answersFile, answerLineSchema)).map((a) => [a.id, a]));
  const out = new Map<string, AuditedAnswer>();
  for (const audit of await lines(auditFile, auditLineSchema)) {
    const answer = answers.get(audit.id);
    if (answer?.status === "answered") out.set(audit.id, { grade: audit.grade, tags: audit.tags, shown: shownSentences(answer.answer) });
  }
  return out;
}

/** A reader's grade from which every sentence of an answer without off-topic or wrong tags counts as answering. */
const GOOD_GRADE = 4;
/** Shorter shown text than this is not matched to a unit (a heading or a fragment could be in many). */
const MIN_MATCH = 25;

/**
 * Keyword labels corrected by a reader's grading of an answer built from these units: the sentence an
 * answer tagged OPENING opened with does not answer the question, whatever words it shares with the key
 * facts; every sentence of a well-graded answer with nothing off-topic or wrong in it does.
 */
export function applyAudit(labels: number[], units: Pick<Unit, "text">[], audited: AuditedAnswer | undefined): number[] {
  if (!audited || audited.shown.length === 0) return labels;
  const texts = units.map((u) => normalizeText(u.text));
  const shownAt = texts.map((t) => (t.length < MIN_MATCH ? -1 : audited.shown.findIndex((s) => s.includes(t) || (s.length >= MIN_MATCH && t.includes(s)))));
  const clean = audited.grade >= GOOD_GRADE && !audited.tags.some((t) => t === "OFFTOPIC" || t === "WRONG" || t === "DUP");
  const opening = audited.tags.includes("OPENING");
  return labels.map((y, i) => {
    if (shownAt[i] === 0 && opening) return 0;
    if (shownAt[i]! >= 0 && clean) return Math.max(y, 1);
    return y;
  });
}
