import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { applyAudit, loadAudit, shownSentences } from "../src/answer/learn/audit-labels.ts";

const definition = { text: "Outsourcing is having another organisation carry out business work that a company would otherwise do itself." };
const answering = { text: "Companies can negotiate pricing with a provider on the basis of the types of services needed." };
const other = { text: "KPO is different from business process outsourcing, which involves operational work." };
const answer = `${definition.text} [1] ${answering.text} [2][3]`;

describe("a strict reader's grading corrects the keyword labels", () => {
  it("reads the cited sentences of an answer in order, markers and list bullets removed", () => {
    expect(shownSentences(answer)).toEqual([
      "outsourcing is having another organisation carry out business work that a company would otherwise do itself.",
      "companies can negotiate pricing with a provider on the basis of the types of services needed.",
    ]);
    expect(shownSentences("- first point of the list here [1]\n- second point of the list here [2]")).toEqual(["first point of the list here", "second point of the list here"]);
    expect(shownSentences("The knowledge base doesn't cover that.")).toEqual([]);
  });

  it("takes away the label of the sentence an answer tagged OPENING opened with, and only that one", () => {
    const audited = { grade: 3, tags: ["OPENING"], shown: shownSentences(answer) };
    expect(applyAudit([0.5, 1, 0.5], [definition, answering, other], audited)).toEqual([0, 1, 0.5]);
  });

  it("labels every sentence of a well-graded answer without off-topic or wrong sentences as answering", () => {
    expect(applyAudit([0, 0.5, 0], [definition, answering, other], { grade: 5, tags: [], shown: shownSentences(answer) })).toEqual([1, 1, 0]);
    // Off-topic somewhere in it: which sentence the reader meant is not known, so nothing changes.
    expect(applyAudit([0, 0.5, 0], [definition, answering, other], { grade: 4, tags: ["OFFTOPIC"], shown: shownSentences(answer) })).toEqual([0, 0.5, 0]);
  });

  it("leaves the labels alone for a question nobody graded", () => {
    expect(applyAudit([0.5, 1], [definition, answering], undefined)).toEqual([0.5, 1]);
  });

  it("joins an audit file with the answers it graded, and says which line is malformed", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "audit-"));
    const audit = path.join(dir, "audit.jsonl");
    const answers = path.join(dir, "answers.jsonl");
    await writeFile(answers, `${JSON.stringify({ id: "q1", status: "answered", answer })}\n${JSON.stringify({ id: "q2", status: "not_found", answer: "no" })}\n`);
    await writeFile(audit, `${JSON.stringify({ id: "q1", grade: 3, tags: ["OPENING"] })}\n${JSON.stringify({ id: "q2", grade: 1, tags: ["ABSTAIN-WRONG"] })}\n`);
    const loaded = await loadAudit(audit, answers);
    expect([...loaded.keys()]).toEqual(["q1"]);
    expect(loaded.get("q1")!.shown).toHaveLength(2);
    await writeFile(audit, `${JSON.stringify({ id: "q1", grade: 7, tags: [] })}\n`);
    await expect(loadAudit(audit, answers)).rejects.toThrow(/audit\.jsonl:1/);
    await writeFile(audit, "{not json\n");
    await expect(loadAudit(audit, answers)).rejects.toThrow(/audit\.jsonl:1: not JSON/);
  });
});
