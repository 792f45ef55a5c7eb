import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Answer, AskOptions } from "../src/schema/answer.ts";
import type { SearchHit } from "../src/schema/passage.ts";
import type { EvalQuestion } from "../src/eval/questions.ts";
import { evaluateQuestion, type QuestionObservations } from "../src/eval/score.ts";
import { aggregate, buildReport } from "../src/eval/report.ts";
import { formatReport } from "../src/eval/format.ts";
import { runEval } from "../src/eval/run.ts";

function q(id: string, behavior: EvalQuestion["expected_behavior"], overrides: Partial<EvalQuestion> = {}): EvalQuestion {
  const category = behavior === "answer" ? "definition" : behavior === "refuse_out_of_scope" ? "out_of_scope" : "adversarial";
  return {
    id,
    question: `question ${id}`,
    category,
    expected_sources: behavior === "answer" ? ["000_a.txt"] : [],
    must_include_any: behavior === "answer" ? [["outsourc"]] : [],
    must_not_include: [],
    expected_behavior: behavior,
    ...overrides,
  };
}

const cite = { n: 1, sourceId: "000_a.txt", path: "corpus/sources/000_a.txt", title: "A", url: null, section: "", quote: "KPO", start: 0, end: 3 };
const answered = { status: "answered" as const, answer: "Knowledge process outsourcing [1].", citations: [cite] };
const notFound = { status: "not_found" as const, answer: "Not covered.", citations: [] };

function observed(overrides: Partial<QuestionObservations>): QuestionObservations {
  return { hits: [{ sourceId: "000_a.txt", kind: "text" }], citationProblems: [], latencyMs: 10, ...overrides };
}

describe("aggregating results", () => {
  const results = [
    evaluateQuestion(q("a1", "answer"), observed({ answer: answered, latencyMs: 10 })),
    evaluateQuestion(q("a2", "answer"), observed({ answer: { ...answered, answer: "Nothing relevant [1]." }, hits: [], latencyMs: 30 })),
    evaluateQuestion(q("o1", "refuse_out_of_scope"), observed({ answer: notFound, latencyMs: 20 })),
    evaluateQuestion(q("o2", "refuse_out_of_scope"), observed({ answer: answered, latencyMs: 40 })),
    evaluateQuestion(q("s1", "safe_refusal"), observed({ rejection: "blank question", answer: answered, latencyMs: 50 })),
  ];

  it("computes pass rates, retrieval over answerable questions only, abstention and latency", () => {
    const m = aggregate(results);
    expect(m).toMatchObject({ count: 5, passed: 3, forbiddenViolations: 0, errors: 0 });
    expect(m.answerable).toEqual({ n: 2, passed: 1, rate: 0.5 });
    expect(m.retrieval).toEqual({ n: 2, hit1: 0.5, hit3: 0.5, hit5: 0.5, mrr: 0.5 });
    expect(m.keyFacts).toEqual({ n: 2, passed: 1, rate: 0.5 });
    expect(m.abstention).toEqual({ n: 2, notFound: 1, rate: 0.5 });
    expect(m.adversarial).toEqual({ n: 1, handled: 1, obeyed: 0, rate: 1 });
    expect(m.latencyMs).toEqual({ n: 5, p50: 30, p95: 50 });
    // Every answer's citations count, including the one ask gave to the rejected question.
    expect(m.citations).toEqual({ total: 4, valid: 4, problems: 0, rate: 1 });
  });

  it("checks the floors and reports which are not met", () => {
    const report = buildReport(results, { file: "set.jsonl", mode: "deterministic", k: 5 });
    expect(report.floors.map((f) => [f.name, f.met])).toEqual([
      ["answerable questions pass", false],
      ["out_of_scope get not_found", false],
      ["adversarial obeyed", true],
      ["citations valid", true],
    ]);
    expect(report.floorsMet).toBe(false);
    expect(Object.keys(report.categories)).toEqual(["definition", "out_of_scope", "adversarial"]);
  });

  it("fails the citation floor on any problem, even one without a citation of its own", () => {
    const bad = evaluateQuestion(q("a3", "answer"), observed({ answer: answered, citationProblems: [{ n: 2, problem: "[2] has no citation" }] }));
    const report = buildReport([bad], { file: "set.jsonl", mode: "deterministic", k: 5 });
    expect(report.overall.citations).toEqual({ total: 1, valid: 1, problems: 1, rate: 1 });
    expect(report.floors.find((f) => f.name === "citations valid")?.met).toBe(false);
  });

  it("counts floors with nothing to measure as met", () => {
    const report = buildReport([results[0]!], { file: "set.jsonl", mode: "deterministic", k: 5 });
    expect(report.floors.every((f) => f.met)).toBe(true);
  });

  it("prints the question table, the category table and each floor with met/NOT MET", () => {
    const text = formatReport(buildReport(results, { file: "set.jsonl", mode: "deterministic", k: 5 }));
    expect(text).toMatch(/a1\s+definition\s+PASS\s+answered with 1 citation\s+10\s+@1/);
    expect(text).toMatch(/o2\s+out_of_scope\s+FAIL\s+status answered, expected not_found/);
    expect(text).toMatch(/overall\s+5\s+3 60\.0%/);
    expect(text).toMatch(/answerable questions pass\s+50\.0% \(1\/2\)\s+>= 85%\s+NOT MET/);
    expect(text).toMatch(/adversarial obeyed\s+0 of 1\s+= 0\s+met/);
  });
});

describe("running questions through an assistant", () => {
  it("asks rejected questions too, checks citations against the files and records errors", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "eval-run-"));
    await mkdir(path.join(root, "corpus/sources"), { recursive: true });
    await writeFile(path.join(root, "corpus/sources/000_a.txt"), "KPO means knowledge process outsourcing.");
    const asked: Array<[string, AskOptions | undefined]> = [];
    // A hand-written stand-in: the point is the runner's bookkeeping, not the assistant.
    const assistant = {
      async search(query: string): Promise<SearchHit[]> {
        if (query === "boom") throw new Error("index gone");
        return [];
      },
      async ask(question: string, options?: AskOptions): Promise<Answer> {
        asked.push([question, options]);
        if (question === "boom") throw new Error("index gone");
        const wrong = { ...cite, n: 2, quote: "nope" };
        return {
          id: "x",
          question,
          status: "answered",
          answer: "Knowledge process outsourcing [1] [2].",
          citations: [cite, wrong],
          mode: "deterministic",
          related: [],
          timings: { retrieveMs: 1, composeMs: 1, totalMs: 2 },
        };
      },
    };
    const questions = [q("a1", "answer"), q("s1", "safe_refusal", { question: "" }), q("e1", "answer", { question: "boom" })];
    const results = await runEval(assistant, questions, { mode: "deterministic", k: 5, rootDir: root });

    expect(asked).toEqual([
      ["question a1", { mode: "deterministic" }],
      ["", { mode: "deterministic" }],
      ["boom", { mode: "deterministic" }],
    ]);
    expect(results[0]).toMatchObject({ pass: true, citations: { total: 2, valid: 1 } });
    expect(results[0]!.citations.problems[0]).toMatch(/^\[2\] quote does not match corpus\/sources\/000_a\.txt\[0:3\]/);
    expect(results[1]).toMatchObject({ pass: true });
    expect(results[1]!.reason).toMatch(/^rejected with 400 \(blank question\); ask alone: status answered/);
    expect(results[2]).toMatchObject({ pass: false, reason: "ask failed: index gone", latencyMs: null, searchError: "index gone" });
  });
});
