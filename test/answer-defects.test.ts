import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkCitations } from "../src/answer/citations.ts";
import type { Assistant } from "../src/assistant.ts";
import { loadQuestions } from "../src/eval/questions.ts";
import type { Answer } from "../src/schema/answer.ts";
import { REPO_ROOT, sharedTestAssistant } from "./support/assistant.ts";

/**
 * The reading rubric's form defects (../shared/eval/AUDIT.md), checked mechanically over every
 * answer to the dev questions: what a strict reader would tag DUP or FORM without reading for
 * meaning. Every answer, not a sample: a defect on one question is a defect.
 */
let answers: { id: string; question: string; category: string; answer: Answer }[];

beforeAll(async () => {
  const assistant: Assistant = await sharedTestAssistant();
  const questions = await loadQuestions(path.join(REPO_ROOT, "eval/dev.jsonl"));
  answers = [];
  for (const q of questions) answers.push({ id: q.id, question: q.question, category: q.category, answer: await assistant.ask(q.question) });
}, 180_000);

const flat = (s: string) => s.replace(/\s+/g, " ").trim();
const answered = () => answers.filter((a) => a.answer.status === "answered");
/** Offending answers as "id: detail", so a failure names the question. */
const offenders = (check: (a: Answer, category: string) => string | undefined) => answers.flatMap((a) => {
  const problem = check(a.answer, a.category);
  return problem ? [`${a.id}: ${problem}`] : [];
});

describe("answers to the dev questions have none of the mechanical defects a strict reader tags", () => {
  it("answers most dev questions (the checks below would pass vacuously otherwise)", () => {
    expect(answered().length).toBeGreaterThan(55);
  });

  it("every citation verifies against its file, every [n] has a citation and every citation is used", async () => {
    const problems = [];
    for (const a of answers) for (const p of await checkCitations(a.answer, REPO_ROOT)) problems.push(`${a.id}: [${p.n}] ${p.problem}`);
    expect(problems).toEqual([]);
  });

  it("no two citations of one answer overlap in the same file", () => {
    expect(
      offenders((a) => {
        const c = a.citations;
        const pair = c.flatMap((x, i) => c.slice(i + 1).filter((y) => y.path === x.path && x.start < y.end && y.start < x.end).map((y) => `[${x.n}] and [${y.n}]`));
        return pair[0];
      }),
    ).toEqual([]);
  });

  it("evidence is shown through the citations, never quoted again in the body", () => {
    expect(
      offenders((a) => {
        if (/\bIn the sources\b/i.test(a.answer)) return "an 'In the sources' block";
        const body = flat(a.answer.replace(/\[\d+\]/g, ""));
        const twice = a.citations.find((c) => {
          const quote = flat(c.quote);
          return quote.length >= 40 && body.indexOf(quote) !== body.lastIndexOf(quote);
        });
        return twice ? `the quote of [${twice.n}] appears twice` : undefined;
      }),
    ).toEqual([]);
  });

  it("no heading or label appears twice", () => {
    expect(
      offenders((a) => {
        const labels = [...a.answer.matchAll(/^\s*(?:#+\s+(.+)|\*\*([^*]+):\*\*)/gm)].map((m) => m[1] ?? m[2]);
        return labels.find((l, i) => labels.indexOf(l) !== i);
      }),
    ).toEqual([]);
  });

  it("a list does not carry the same citation number on every line", () => {
    expect(
      offenders((a) => {
        const bullets = a.answer.split("\n").filter((l) => /^\s*[-*]\s/.test(l));
        const markers = bullets.map((l) => [...l.matchAll(/\[(\d+)\]/g)].map((m) => m[1]).join(","));
        const repeated = markers.find((m, i) => m !== "" && markers.indexOf(m) !== i);
        return repeated ? `[${repeated}] on several lines` : undefined;
      }),
    ).toEqual([]);
  });

  it("every sentence of an answer is cited", () => {
    expect(
      offenders((a) => {
        if (a.status !== "answered") return undefined;
        for (const line of a.answer.split("\n").filter((l) => l.trim())) {
          // Pieces end at a citation marker; a piece left after the last marker is a sentence nothing cites.
          const tail = line.replace(/^.*\]/, "").trim();
          if (tail && /[\p{L}\p{N}]/u.test(tail)) return `uncited: "${tail.slice(0, 80)}"`;
        }
        return undefined;
      }),
    ).toEqual([]);
  });

  it("answers open with the answer and stay short: at most three sentences unless a list or comparison is asked", () => {
    expect(
      offenders((a, category) => {
        if (a.status !== "answered" || category === "comparison") return undefined;
        const markers = (a.answer.match(/(?:\[\d+\])+/g) ?? []).length;
        const listLike = a.answer.includes("\n- ");
        return !listLike && markers > 3 ? `${markers} cited sentences in a plain answer` : undefined;
      }),
    ).toEqual([]);
  });

  it("carries none of the assistant's own asides", () => {
    expect(offenders((a) => /\b(?:oddly|without further explanation|without explaining it|curiously|interestingly)\b/i.exec(a.answer)?.[0])).toEqual([]);
  });
});
