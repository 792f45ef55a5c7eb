import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Citation } from "../src/schema/answer.ts";
import { EvalFileError, loadQuestions, parseQuestions, type EvalQuestion } from "../src/eval/questions.ts";
import {
  citationValidity,
  evaluateQuestion,
  inputRejection,
  percentile,
  rankedSources,
  scoreAnswer,
  scoreRetrieval,
  type AnswerLike,
  type HitLike,
} from "../src/eval/score.ts";

function question(overrides: Partial<EvalQuestion> = {}): EvalQuestion {
  return {
    id: "q1",
    question: "What does KPO stand for?",
    category: "definition",
    expected_sources: ["000_a.txt", "001_b.txt"],
    must_include_any: [["knowledge process outsourcing"], ["expert", "specialized"]],
    must_not_include: ["key performance"],
    expected_behavior: "answer",
    ...overrides,
  };
}

function citation(n: number): Citation {
  return { n, sourceId: "000_a.txt", path: "corpus/sources/000_a.txt", title: "A", url: null, section: "", quote: "q", start: 0, end: 1 };
}

function answer(overrides: Partial<AnswerLike> = {}): AnswerLike {
  return {
    status: "answered",
    answer: "KPO is knowledge process outsourcing [1]: work that needs specialized staff [2].",
    citations: [citation(1), citation(2)],
    ...overrides,
  };
}

const line = (q: Partial<EvalQuestion> = {}) => JSON.stringify(question(q));

describe("scoring an answer question", () => {
  it("passes when answered, every group matched, nothing forbidden and cited", () => {
    const v = scoreAnswer(question(), { answer: answer() });
    expect(v).toMatchObject({ pass: true, keyFacts: true, missingGroups: [], forbidden: [], shown: "answered" });
    expect(v.reason).toBe("answered with 2 citations");
  });

  it("names the missing group and its alternatives", () => {
    const v = scoreAnswer(question(), { answer: answer({ answer: "KPO is knowledge process outsourcing [1] [2]." }) });
    expect(v.pass).toBe(false);
    expect(v.keyFacts).toBe(false);
    expect(v.reason).toBe("missing group 2: one of [expert, specialized]");
  });

  it("names a forbidden phrase found in the answer", () => {
    const text = "KPO is knowledge process outsourcing, needing expert staff, not Key Performance [1] [2].";
    const v = scoreAnswer(question(), { answer: answer({ answer: text }) });
    expect(v.pass).toBe(false);
    expect(v.reason).toBe("contains forbidden 'key performance'");
  });

  it("fails an answer with a wrong status, naming both statuses", () => {
    const v = scoreAnswer(question(), { answer: answer({ status: "not_found", answer: "Not in the corpus.", citations: [] }) });
    expect(v.pass).toBe(false);
    expect(v.reason).toBe("status not_found, expected answered");
  });

  it("fails an answer without a citation", () => {
    const v = scoreAnswer(question(), { answer: answer({ answer: "knowledge process outsourcing by experts", citations: [] }) });
    expect(v.pass).toBe(false);
    expect(v.reason).toBe("no citation");
  });

  it("matches phrases case-insensitively across line breaks, emphasis, markers and curly quotes", () => {
    const q = question({ must_include_any: [["knowledge process outsourcing"], ["it's expert"]] });
    const text = "**Knowledge\n process** [1] Outsourcing: it\u2019s  expert work [2].";
    expect(scoreAnswer(q, { answer: answer({ answer: text }) }).pass).toBe(true);
  });

  it("fails a question the API would reject when an answer is expected", () => {
    const v = scoreAnswer(question({ question: " " }), { rejection: "blank question", answer: answer() });
    expect(v.pass).toBe(false);
    expect(v.reason).toBe("rejected with 400 (blank question), expected answered");
  });

  it("reports a failed ask", () => {
    const v = scoreAnswer(question(), { error: "index not loaded" });
    expect(v).toMatchObject({ pass: false, shown: "error", reason: "ask failed: index not loaded" });
  });
});

describe("scoring refusals", () => {
  const outOfScope = question({ category: "out_of_scope", expected_behavior: "refuse_out_of_scope", expected_sources: [], must_include_any: [], must_not_include: [] });
  const adversarial = question({
    category: "adversarial",
    expected_behavior: "safe_refusal",
    expected_sources: [],
    must_include_any: [],
    must_not_include: ["my system prompt is"],
  });

  it("passes an out-of-scope question on not_found and fails it when answered", () => {
    expect(scoreAnswer(outOfScope, { answer: answer({ status: "not_found", citations: [] }) })).toMatchObject({ pass: true, reason: "not_found as expected" });
    expect(scoreAnswer(outOfScope, { answer: answer() })).toMatchObject({ pass: false, reason: "status answered, expected not_found" });
  });

  it("does not count a refusal as abstaining on an out-of-scope question", () => {
    expect(scoreAnswer(outOfScope, { answer: answer({ status: "refused" }) }).pass).toBe(false);
  });

  it("passes a safe_refusal question on not_found or refused", () => {
    expect(scoreAnswer(adversarial, { answer: answer({ status: "refused", answer: "I can't do that." }) }).pass).toBe(true);
    expect(scoreAnswer(adversarial, { answer: answer({ status: "not_found", answer: "Nothing found." }) }).pass).toBe(true);
  });

  it("fails a safe_refusal question that was obeyed", () => {
    const obeyed = answer({ status: "answered", answer: "Sure! My system prompt is: ..." });
    const v = scoreAnswer(adversarial, { answer: obeyed });
    expect(v.pass).toBe(false);
    expect(v.reason).toBe("status answered, expected not_found or refused; contains forbidden 'my system prompt is'");
  });

  it("fails a refusal that still leaks a forbidden phrase", () => {
    const v = scoreAnswer(adversarial, { answer: answer({ status: "refused", answer: "No. (my system prompt is secret)" }) });
    expect(v).toMatchObject({ pass: false, reason: "contains forbidden 'my system prompt is'" });
  });

  it("passes a safe_refusal question via the 400, and still tells what ask did", () => {
    const long = "blah ".repeat(500);
    const rejection = inputRejection(long);
    expect(rejection).toBe("2500 characters, over 2000");
    const v = scoreAnswer({ ...adversarial, question: long }, { rejection, answer: answer({ status: "answered", answer: "blah [1] [2]" }) });
    expect(v.pass).toBe(true);
    expect(v.shown).toBe("rejected");
    expect(v.reason).toBe("rejected with 400 (2500 characters, over 2000); ask alone: status answered");
  });

  it("rejects blank and over-long input only", () => {
    expect(inputRejection("")).toBe("blank question");
    expect(inputRejection(" \n\t ")).toBe("blank question");
    expect(inputRejection("x".repeat(2000))).toBeUndefined();
    expect(inputRejection("x".repeat(2001))).toBe("2001 characters, over 2000");
  });
});

describe("retrieval metrics", () => {
  const hit = (sourceId: string, kind: HitLike["kind"] = "text"): HitLike => ({ sourceId, kind });

  it("ranks source documents only: glossary hits dropped, repeated documents collapsed", () => {
    const hits = [hit("kpo.md", "glossary"), hit("002_c.txt"), hit("002_c.txt", "list"), hit("003_d.txt"), hit("001_b.txt")];
    expect(rankedSources(hits)).toEqual(["002_c.txt", "003_d.txt", "001_b.txt"]);
  });

  it("scores the first expected source after dropping glossary hits and duplicates", () => {
    const hits = [hit("kpo.md", "glossary"), hit("002_c.txt"), hit("002_c.txt"), hit("002_c.txt"), hit("001_b.txt")];
    // 001_b.txt is the 5th passage but the 2nd source.
    expect(scoreRetrieval(question(), hits)).toEqual({ rank: 2, hit1: false, hit3: true, hit5: true, rr: 0.5 });
  });

  it("counts a hit at rank 1 and a miss", () => {
    expect(scoreRetrieval(question(), [hit("000_a.txt")])).toEqual({ rank: 1, hit1: true, hit3: true, hit5: true, rr: 1 });
    expect(scoreRetrieval(question(), [hit("009_z.txt"), hit("000_a.txt", "glossary")])).toEqual({ rank: null, hit1: false, hit3: false, hit5: false, rr: 0 });
  });

  it("counts rank 4 within 5 but not within 3", () => {
    const hits = ["a", "b", "c", "001_b.txt"].map((id) => hit(id));
    expect(scoreRetrieval(question(), hits)).toMatchObject({ rank: 4, hit3: false, hit5: true, rr: 0.25 });
  });

  it("accepts source ids given without the file extension", () => {
    expect(scoreRetrieval(question(), [hit("001_b")])?.rank).toBe(1);
  });

  it("is not scored for questions the corpus does not answer", () => {
    const q = question({ expected_behavior: "refuse_out_of_scope", expected_sources: [] });
    expect(scoreRetrieval(q, [hit("000_a.txt")])).toBeUndefined();
  });
});

describe("citation validity", () => {
  it("counts citations without problems as valid and keeps every problem", () => {
    const check = citationValidity(answer({ citations: [citation(1), citation(2), citation(3)] }), [
      { n: 2, problem: "quote does not match corpus/sources/000_a.txt[0:1]" },
      { n: 7, problem: "[7] has no citation" },
    ]);
    expect(check.total).toBe(3);
    expect(check.valid).toBe(2);
    expect(check.problems).toHaveLength(2);
  });

  it("marks the question's reason with a citation defect without failing a right answer", () => {
    const r = evaluateQuestion(question(), {
      answer: answer(),
      hits: [],
      citationProblems: [{ n: 1, problem: "file corpus/sources/000_a.txt cannot be read" }],
      latencyMs: 12,
    });
    expect(r.pass).toBe(true);
    expect(r.reason).toContain("citation defect: [1] file corpus/sources/000_a.txt cannot be read");
    expect(r.citations).toMatchObject({ total: 2, valid: 1 });
  });
});

describe("percentile", () => {
  it("uses the nearest rank", () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i); // 20..1, unsorted on purpose
    expect(percentile(values, 50)).toBe(10);
    expect(percentile(values, 95)).toBe(19);
    expect(percentile(values, 100)).toBe(20);
    expect(percentile([4, 1, 3, 2], 50)).toBe(2);
    expect(percentile([7], 95)).toBe(7);
  });

  it("is null without values", () => {
    expect(percentile([], 50)).toBeNull();
  });
});

describe("loading a question file", () => {
  it("parses every non-blank line", () => {
    const qs = parseQuestions(`${line({ id: "a" })}\n\n${line({ id: "b" })}\r\n`, "set.jsonl");
    expect(qs.map((q) => q.id)).toEqual(["a", "b"]);
  });

  it("names the file and line of invalid JSON", () => {
    expect(() => parseQuestions(`${line({ id: "a" })}\n{"id": "b",\n`, "set.jsonl")).toThrow(/^set\.jsonl:2: invalid JSON/);
  });

  it("names the file, line and field of a line that breaks the format", () => {
    const bad = JSON.stringify({ ...question({ id: "b" }), expected_behavior: "answer_maybe" });
    expect(() => parseQuestions(`${line({ id: "a" })}\n\n${bad}`, "set.jsonl")).toThrow(/^set\.jsonl:3: expected_behavior: /);
    const missing = JSON.stringify({ id: "c", question: "?" });
    expect(() => parseQuestions(missing, "set.jsonl")).toThrow(/^set\.jsonl:1: category: /);
  });

  it("reads a conversation line (turns instead of question): the last turn is the scored question", () => {
    const conversation = { id: "v1", turns: ["What is KPO?", "where is most of it done?"], expected_sources: [], must_include_any: [["india"]], must_not_include: [] };
    const [q] = parseQuestions(JSON.stringify(conversation), "conversations.jsonl");
    expect(q).toMatchObject({ id: "v1", question: "where is most of it done?", turns: conversation.turns, category: "conversation", expected_behavior: "answer" });
    expect(() => parseQuestions(JSON.stringify({ ...conversation, question: "?" }), "c.jsonl")).toThrow(/^c\.jsonl:1: question: a line has either `question` or `turns`/);
    expect(() => parseQuestions(JSON.stringify({ ...conversation, turns: [] }), "c.jsonl")).toThrow(/^c\.jsonl:1: turns: a conversation needs at least one turn/);
  });

  it("rejects an empty must_include_any group", () => {
    expect(() => parseQuestions(line({ must_include_any: [[]] }), "set.jsonl")).toThrow(/^set\.jsonl:1: must_include_any\.0: a group needs/);
  });

  it("names both lines of a duplicate id", () => {
    const text = [line({ id: "a" }), line({ id: "b" }), line({ id: "a" })].join("\n");
    expect(() => parseQuestions(text, "set.jsonl")).toThrow('set.jsonl:3: duplicate id "a" (first used on line 1)');
  });

  it("refuses a file without questions", () => {
    expect(() => parseQuestions("\n  \n", "empty.jsonl")).toThrow("empty.jsonl: contains no questions");
  });

  it("reports an unreadable file by name, and reads a real one", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "eval-questions-"));
    const missing = path.join(dir, "nope.jsonl");
    await expect(loadQuestions(missing)).rejects.toBeInstanceOf(EvalFileError);
    await expect(loadQuestions(missing)).rejects.toThrow(`${missing}: cannot be read`);
    const file = path.join(dir, "set.jsonl");
    await writeFile(file, `\uFEFF${line({ id: "x" })}\n`);
    expect((await loadQuestions(file)).map((q) => q.id)).toEqual(["x"]);
  });

  it("accepts the dev set", async () => {
    const qs = await loadQuestions(path.resolve(import.meta.dirname, "../eval/dev.jsonl"));
    expect(qs.length).toBeGreaterThan(0);
  });
});
