import { cp, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { checkCitations } from "../src/answer/citations.ts";
import { createAssistant, type Assistant } from "../src/assistant.ts";
import { loadSettings } from "../src/config/settings.ts";
import { addToCorpus } from "../src/corpus/library.ts";
import { loadQuestions } from "../src/eval/questions.ts";
import { openSharedState } from "../src/store/index.ts";
import { REPO_ROOT } from "./support/assistant.ts";

/**
 * A company's own documents (test/fixtures/own-docs: HTML, Markdown, PDF, Word, text) added next to
 * the KPO corpus, with the corpus in a folder outside the project (CORPUS_DIR), as a user who keeps
 * their documents elsewhere would run it.
 */
const FIXTURE = path.join(REPO_ROOT, "test/fixtures/own-docs");
const OWN = ["policy.html", "vendor-onboarding.md", "service-levels.pdf", "new-starter-guide.docx", "renewal-procedure.txt", "committee-minutes.md"];

let root: string;
let outside: string;
let assistant: Assistant;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "kpo-own-root-"));
  outside = await mkdtemp(path.join(os.tmpdir(), "kpo-own-corpus-"));
  const corpusDir = path.join(outside, "corpus");
  await cp(path.join(REPO_ROOT, "corpus"), corpusDir, { recursive: true, filter: (src) => !src.includes(`${path.sep}derived`) });
  // The vector cache of the shared index: the KPO corpus is not embedded again.
  await cp(inject("sharedDataDir"), path.join(root, "data"), { recursive: true });
  for (const file of OWN) await addToCorpus(corpusDir, root, { name: file, bytes: await readFile(path.join(FIXTURE, file)) });
  const settings = loadSettings({ LOG_LEVEL: "silent", CORPUS_DIR: corpusDir, DATA_DIR: path.join(root, "data") }, root);
  assistant = await createAssistant(settings, { shared: openSharedState({ ...settings, DATA_DIR: path.join(root, "store") }) });
}, 600_000);

afterAll(async () => {
  await assistant?.close();
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const isOwn = (sourceId: string) => OWN.includes(sourceId);

describe("answers about a company's own documents", () => {
  it("cite only the company's documents, and every citation verifies, for every question of the fixture the documents answer", async () => {
    const questions = (await loadQuestions(path.join(FIXTURE, "questions.jsonl"))).filter((q) => q.expected_behavior === "answer");
    const leaks: string[] = [];
    const problems: string[] = [];
    for (const q of questions) {
      const answer = await assistant.ask(q.question);
      for (const c of answer.citations) if (!isOwn(c.sourceId)) leaks.push(`${q.id}: [${c.n}] ${c.sourceId}`);
      for (const p of await checkCitations(answer, root)) problems.push(`${q.id}: ${p.problem}`);
    }
    expect(leaks).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("find the company's own definitions, wherever they are written ('Term: definition' in a Word glossary)", async () => {
    const answer = await assistant.ask("A colleague mentioned that one of our suppliers is now on the Red File - what is that?");
    expect(answer.status).toBe("answered");
    expect(answer.citations[0]!.sourceId).toBe("new-starter-guide.docx");
    expect(answer.citations[0]!.quote).toMatch(/^Red File: /);
  });

  it("quote whole sentences, never a fragment cut where a line of the rendition ended", async () => {
    for (const question of ["How long does a standard vendor check take?", "What does the renewal procedure say happens 150 days before a contract expires?"]) {
      const answer = await assistant.ask(question);
      expect(answer.status).toBe("answered");
      for (const c of answer.citations) expect(c.quote.trim(), c.quote).toMatch(/[.!?:;)]$|^[^.]{0,200}$/);
    }
  });

  it("leave a place or person in the story around the question out of its constraints", async () => {
    const answer = await assistant.ask("Our new supplier in Manila wants to run our customer-facing helpdesk. Which outsourced activities does the policy say must stay at our own sites?");
    expect(answer.status).toBe("answered");
    expect(answer.answer).not.toMatch(/say nothing about Manila/);
    expect(answer.citations.every((c) => isOwn(c.sourceId))).toBe(true);
  });

  it("still answer a KPO question from the KPO material, claims cited with their markers although the corpus lives outside the project", async () => {
    const answer = await assistant.ask("What are the main risks of KPO?");
    expect(answer.status).toBe("answered");
    expect(answer.citations.length).toBeGreaterThan(0);
    expect(answer.citations.every((c) => !isOwn(c.sourceId))).toBe(true);
    expect(answer.citations.every((c) => c.path.startsWith("../"))).toBe(true);
    // Every line of the answer carries its citation markers.
    for (const line of answer.answer.split("\n").filter(Boolean)) expect(line).toMatch(/\[\d+\]/);
    expect(await checkCitations(answer, root)).toEqual([]);
  });

  it("lists the six documents it was given", async () => {
    const ids = assistant.sources.list().map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining(OWN));
    expect((await readdir(path.join(outside, "corpus", "sources"))).length).toBe(ids.length);
  });
});
