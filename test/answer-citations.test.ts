import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Assistant } from "../src/assistant.ts";
import { checkCitations } from "../src/answer/citations.ts";
import { answerSchema } from "../src/schema/answer.ts";
import { REPO_ROOT, sharedTestAssistant } from "./support/assistant.ts";

const questions = readFileSync(path.join(REPO_ROOT, "eval/dev.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { id: string; question: string });

let assistant: Assistant;
beforeAll(async () => {
  assistant = await sharedTestAssistant();
});

describe("the citation invariant", () => {
  it.each(questions.map((q) => [q.id, q.question] as const))("holds for every citation of the answer to %s", async (_id, question) => {
    const answer = answerSchema.parse(await assistant.ask(question));
    expect(await checkCitations(answer, REPO_ROOT)).toEqual([]);
    if (answer.status === "answered") expect(answer.citations.length).toBeGreaterThan(0);
    // A not-found answer may say, cited, what the sources do say; a refusal quotes nothing.
    else if (answer.status === "refused") expect(answer.citations).toEqual([]);
    else expect(answer.citations.every((c) => answer.answer.includes(`[${c.n}]`))).toBe(true);
  });

  it("numbers citations 1..n in order of first appearance", async () => {
    const answer = await assistant.ask("What are the main risks or disadvantages of using KPO?");
    const order = [...new Set([...answer.answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])))];
    expect(order).toEqual(answer.citations.map((c) => c.n));
    expect(answer.citations.map((c) => c.n)).toEqual(answer.citations.map((_, i) => i + 1));
  });

  it("cites glossary definitions inside the glossary files with exact offsets", async () => {
    const answer = await assistant.ask("What is BPO?");
    const glossary = answer.citations.find((c) => c.path.startsWith("corpus/glossary/"));
    expect(glossary?.path).toBe("corpus/glossary/business-process-outsourcing.md");
    const file = readFileSync(path.join(REPO_ROOT, glossary!.path), "utf8");
    expect(file.slice(glossary!.start, glossary!.end)).toBe(glossary!.quote);
  });
});

describe("determinism", () => {
  it("gives byte-identical answers and citations for the same question over the same index", async () => {
    for (const q of ["kpo vs bpo?", "What are some typical examples of KPO services?", "how big was the kpo market in india in 2005"]) {
      const first = await assistant.ask(q);
      const second = await assistant.ask(q);
      expect(second.answer).toBe(first.answer);
      expect(JSON.stringify(second.citations)).toBe(JSON.stringify(first.citations));
      expect(second.status).toBe(first.status);
    }
  });

  it("gives the same answer when the same question is asked concurrently with others", async () => {
    const alone = await assistant.ask("Why can communication be a challenge when working with a KPO partner?");
    const together = await Promise.all(
      ["What is KPO?", "Why can communication be a challenge when working with a KPO partner?", "kpo vs bpo", "what is ITES"].map((q) => assistant.ask(q)),
    );
    expect(together[1]!.answer).toBe(alone.answer);
  });
});
