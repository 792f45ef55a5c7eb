import { readFile } from "node:fs/promises";
import { z } from "zod";
import { AppError } from "../errors.ts";

/**
 * One line of an evaluation file (format: eval/README.md). Held sets in the same format are
 * used to check generalisation, so the schema is the format itself, not the dev set's quirks.
 */
export const CATEGORIES = [
  "definition",
  "comparison",
  "advice",
  "risks",
  "benefits",
  "facts",
  "examples",
  "multi_doc",
  "out_of_scope",
  "adversarial",
  "conversation",
] as const;

export const expectedBehaviorSchema = z.enum(["answer", "refuse_out_of_scope", "safe_refusal"]);
export type ExpectedBehavior = z.infer<typeof expectedBehaviorSchema>;

/** The scoring fields, shared by questions and conversations. */
const scoring = {
  expected_sources: z.array(z.string().min(1)),
  // An empty group could never be matched, so it is a mistake in the file, not a hard question.
  must_include_any: z.array(z.array(z.string().min(1)).min(1, "a group needs at least one phrase")),
  must_not_include: z.array(z.string().min(1)),
};

export const evalQuestionSchema = z.object({
  id: z.string().trim().min(1),
  // Not trimmed or length-checked: blank and over-long questions are test cases, not bad lines.
  question: z.string(),
  category: z.enum(CATEGORIES),
  ...scoring,
  expected_behavior: expectedBehaviorSchema,
  notes: z.string().optional(),
});

/**
 * A conversation: `turns` instead of `question`. Each turn is asked with the earlier ones as
 * history and only the last answer is scored; `expected_behavior` is `answer` when absent.
 */
export const evalConversationSchema = z
  .object({
    id: z.string().trim().min(1),
    question: z.undefined({ message: "a line has either `question` or `turns`, not both" }).optional(),
    turns: z.array(z.string()).min(1, "a conversation needs at least one turn"),
    category: z.enum(CATEGORIES).default("conversation"),
    ...scoring,
    expected_behavior: expectedBehaviorSchema.default("answer"),
    notes: z.string().optional(),
  })
  .transform(({ turns, question: _none, ...line }) => ({ ...line, question: turns.at(-1)!, turns }));

/** One scored question; `turns` (the whole conversation, the question last) for conversation lines. */
export type EvalQuestion = z.infer<typeof evalQuestionSchema> & { turns?: string[] };
export type Category = EvalQuestion["category"];

/** A question file that cannot be used; the message names the file and, when known, the line. */
export class EvalFileError extends AppError {
  readonly file: string;
  readonly line?: number;
  constructor(file: string, line: number | undefined, message: string, options: { cause?: unknown } = {}) {
    super("eval_file", `${line === undefined ? file : `${file}:${line}`}: ${message}`, options);
    this.file = file;
    this.line = line;
  }
}

/** Parses the text of a .jsonl question file; `file` is only used in error messages. */
export function parseQuestions(text: string, file: string): EvalQuestion[] {
  const questions: EvalQuestion[] = [];
  const firstLineOf = new Map<string, number>();
  // A BOM from an editor would otherwise make line 1 invalid JSON.
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new EvalFileError(file, line, `invalid JSON: ${(err as Error).message}`, { cause: err });
    }
    const conversation = typeof value === "object" && value !== null && "turns" in value;
    const parsed = (conversation ? evalConversationSchema : evalQuestionSchema).safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where = issue.path.length > 0 ? issue.path.join(".") : "line";
      throw new EvalFileError(file, line, `${where}: ${issue.message}`);
    }
    const first = firstLineOf.get(parsed.data.id);
    if (first !== undefined) throw new EvalFileError(file, line, `duplicate id "${parsed.data.id}" (first used on line ${first})`);
    firstLineOf.set(parsed.data.id, line);
    questions.push(parsed.data);
  });
  if (questions.length === 0) throw new EvalFileError(file, undefined, "contains no questions");
  return questions;
}

/** Reads and parses a question file. */
export async function loadQuestions(file: string): Promise<EvalQuestion[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new EvalFileError(file, undefined, `cannot be read: ${(err as Error).message}`, { cause: err });
  }
  return parseQuestions(text, file);
}
