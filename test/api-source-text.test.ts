import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Assistant } from "../src/assistant-types.ts";
import { answerResponseSchema, glossaryListResponseSchema, problemSchema, sourceTextResponseSchema } from "../src/api/schemas.ts";
import { postJson, startTestApi, type TestApi } from "./support/api-harness.ts";
import { REPO_ROOT, sharedTestAssistant } from "./support/assistant.ts";

/** What the web page needs from the API: a source's raw text to highlight a citation in, and typo-tolerant glossary search. */

let api: TestApi;
let assistant: Assistant;

beforeAll(async () => {
  assistant = await sharedTestAssistant();
  api = await startTestApi({ assistant });
});
afterAll(async () => {
  await api?.close();
});

describe("GET /v1/sources/:id/text", () => {
  it("returns the very file every citation of an answer quotes: text.slice(start, end) === quote", async () => {
    const answer = answerResponseSchema.parse(await (await postJson(`${api.url}/v1/ask`, { question: "What are the risks of KPO?" })).json());
    const documentCitations = answer.citations.filter((c) => !c.sourceId.startsWith("glossary/"));
    expect(documentCitations.length).toBeGreaterThan(0);
    for (const citation of documentCitations) {
      const res = await fetch(`${api.url}/v1/sources/${encodeURIComponent(citation.sourceId)}/text`);
      expect(res.status).toBe(200);
      const source = sourceTextResponseSchema.parse(await res.json());
      expect(source.text).toBe(await readFile(path.join(REPO_ROOT, source.path), "utf8"));
      expect(source.text.slice(citation.start, citation.end)).toBe(citation.quote);
      // the quote starts and ends in text that cleaning kept (a list quote spans several items)
      expect(source.spans.some((s) => s.start <= citation.start && citation.start < s.end)).toBe(true);
      expect(source.spans.some((s) => s.start < citation.end && citation.end <= s.end)).toBe(true);
    }
  });

  it("carries the metadata of sources.json (title, publisher, url)", async () => {
    const meta = JSON.parse(await readFile(path.join(REPO_ROOT, "corpus/sources.json"), "utf8")) as { file: string; title: string; publisher?: string; url: string | null }[];
    for (const entry of meta) {
      const source = sourceTextResponseSchema.parse(await (await fetch(`${api.url}/v1/sources/${entry.file}/text`)).json());
      expect(source).toMatchObject({ id: entry.file, title: entry.title, publisher: entry.publisher ?? null, url: entry.url });
    }
  });

  it("answers 404 problem+json for an unknown source", async () => {
    const res = await fetch(`${api.url}/v1/sources/nope.txt/text`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(problemSchema.parse(await res.json()).detail).toContain("nope.txt");
  });
});

describe("GET /v1/glossary?q=&fuzzy=true", () => {
  it("finds a term from a misspelling, after what contains the text", async () => {
    const res = await fetch(`${api.url}/v1/glossary?q=outsorcing&fuzzy=true`);
    const body = glossaryListResponseSchema.parse(await res.json());
    expect(body.entries.map((e) => e.term)).toContain("Outsourcing");
    const plain = glossaryListResponseSchema.parse(await (await fetch(`${api.url}/v1/glossary?q=outsorcing`)).json());
    expect(plain.count).toBe(0);
  });

  it("keeps the substring matches first and adds no duplicates", async () => {
    const body = glossaryListResponseSchema.parse(await (await fetch(`${api.url}/v1/glossary?q=kpo&fuzzy=true`)).json());
    const contains = assistant.glossary.list("kpo").map((e) => e.slug);
    expect(body.entries.slice(0, contains.length).map((e) => e.slug)).toEqual(contains);
    expect(new Set(body.entries.map((e) => e.slug)).size).toBe(body.entries.length);
  });

  it("rejects a fuzzy value other than true or false with a 400 problem", async () => {
    const res = await fetch(`${api.url}/v1/glossary?q=kpo&fuzzy=maybe`);
    expect(res.status).toBe(400);
  });
});
