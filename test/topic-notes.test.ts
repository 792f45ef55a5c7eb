import { mkdtemp, readFile, writeFile, mkdir, cp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSourceDocuments } from "../src/corpus/load.ts";
import { loadTopics, parseTopicFile } from "../src/corpus/topics.ts";
import { CorpusError } from "../src/errors.ts";
import { cleanDocument } from "../src/ingest/clean.ts";
import { chunkDocument } from "../src/ingest/chunk.ts";
import { topicChunks } from "../src/ingest/topics.ts";
import { REPO_ROOT } from "./support/assistant.ts";

const NOTE = `---
title: Risks of KPO
about: [knowledge process outsourcing]
kind: risks
---

Outsourced knowledge work can put confidential data at risk.
> 002_1a42ee74994f4284.txt: Moreover, businesses that use offshore KPO firms may risk the security and confidentiality of data and customer information.

Routine bookkeeping stays with BPO firms.
work: bpo
tasks: bookkeeping, book-keeping
> 002_1a42ee74994f4284.txt: There is expected growth in the areas of basic data entry, data processing, bookkeeping, and technical support.
`;

async function sourceChunks(corpusDir: string) {
  const docs = await loadSourceDocuments(corpusDir, REPO_ROOT, () => {});
  return { docs, chunks: docs.flatMap((d) => chunkDocument(d, cleanDocument(d.raw, { includeComments: false }).blocks)) };
}

describe("topic notes: curated claims in our words, each resting on verbatim source spans", () => {
  let corpus: Awaited<ReturnType<typeof sourceChunks>>;
  beforeAll(async () => {
    corpus = await sourceChunks(path.join(REPO_ROOT, "corpus"));
  });

  it("parses claims with their offsets in the note, tags and evidence lines", () => {
    const note = parseTopicFile(NOTE, "corpus/topics/risks.md");
    expect(note).toMatchObject({ slug: "risks", title: "Risks of KPO", listType: "risks", about: ["knowledge process outsourcing"] });
    expect(note.claims).toHaveLength(2);
    const [first, second] = note.claims;
    expect(NOTE.slice(first!.start, first!.end)).toBe("Outsourced knowledge work can put confidential data at risk.");
    expect(second).toMatchObject({ work: "bpo", tasks: ["bookkeeping", "book-keeping"] });
    expect(second!.evidence[0]!.file).toBe("002_1a42ee74994f4284.txt");
  });

  it("turns each claim into a chunk whose evidence is the exact span of the source file", async () => {
    const chunks = topicChunks([parseTopicFile(NOTE, "corpus/topics/risks.md")], corpus.docs, corpus.chunks);
    expect(chunks.map((c) => c.id)).toEqual(["topic:risks:0", "topic:risks:1"]);
    for (const chunk of chunks) {
      expect(chunk.kind).toBe("topic");
      for (const e of chunk.claim!.evidence) {
        const raw = await readFile(path.join(REPO_ROOT, e.path), "utf8");
        expect(raw.slice(e.start, e.end)).toBe(e.quote);
      }
    }
    expect(chunks[1]!.claim).toMatchObject({ work: "bpo", listType: "risks", position: 1 });
  });

  it.each([
    ["a quote that is not verbatim in the source", NOTE.replace("may risk the security", "might risk the security"), /line 8: evidence for "Outsourced knowledge work.*is not verbatim in 002_1a42ee74994f4284\.txt/],
    ["a quote from the page's boilerplate", NOTE.replace("Moreover, businesses that use offshore KPO firms may risk the security and confidentiality of data and customer information.", "We are independent & ad-supported."), /not in the indexed text of 002_1a42ee74994f4284\.txt/],
    ["a quote from reader comments", NOTE.replace("Moreover, businesses that use offshore KPO firms may risk the security and confidentiality of data and customer information.", "It takes years to become fluent in another language."), /not in the indexed text/],
    ["an unknown source file", NOTE.replace("> 002_1a42ee74994f4284.txt: Moreover", "> 009_nope.txt: Moreover"), /line 8: evidence names 009_nope\.txt, which is not a file in corpus\/sources/],
  ])("rejects %s, naming the note, the line and the claim", (_what, text, message) => {
    const notes = [parseTopicFile(text, "corpus/topics/risks.md")];
    expect(() => topicChunks(notes, corpus.docs, corpus.chunks)).toThrow(CorpusError);
    expect(() => topicChunks(notes, corpus.docs, corpus.chunks)).toThrow(message);
    expect(() => topicChunks(notes, corpus.docs, corpus.chunks)).toThrow(/corpus\/topics\/risks\.md/);
  });

  it.each([
    ["a claim without evidence", NOTE.replace(/\n> 002_1a42ee74994f4284\.txt: Moreover[^\n]*/, ""), /line 7: the claim "Outsourced knowledge work.*has no evidence line/],
    ["an unknown tag", NOTE.replace("work: bpo", "model: bpo"), /claim tag "model"/],
    ["a bad work model", NOTE.replace("work: bpo", "work: cpo"), /claim tag "work"/],
    ["an unknown note kind", NOTE.replace("kind: risks", "kind: dangers"), /front matter field "kind"/],
    ["a note without a title", NOTE.replace("title: Risks of KPO\n", ""), /front matter field "title"/],
    ["a claim spread over two lines", NOTE.replace("at risk.\n>", "at risk.\nand more words\n>"), /line 8: expected "> <source file>: <quote>"/],
  ])("refuses %s when parsing", (_what, text, message) => {
    expect(() => parseTopicFile(text, "corpus/topics/risks.md")).toThrow(CorpusError);
    expect(() => parseTopicFile(text, "corpus/topics/risks.md")).toThrow(message);
  });

  it("every note in the project's corpus parses and every evidence quote verifies against its file", async () => {
    const notes = await loadTopics(path.join(REPO_ROOT, "corpus"), REPO_ROOT);
    expect(notes.length).toBeGreaterThanOrEqual(10);
    const chunks = topicChunks(notes, corpus.docs, corpus.chunks);
    expect(chunks.length).toBeGreaterThanOrEqual(100);
    const files = new Map<string, string>();
    for (const chunk of chunks) {
      expect(chunk.claim!.evidence.length).toBeGreaterThan(0);
      for (const e of chunk.claim!.evidence) {
        if (!files.has(e.path)) files.set(e.path, await readFile(path.join(REPO_ROOT, e.path), "utf8"));
        expect(files.get(e.path)!.slice(e.start, e.end)).toBe(e.quote);
      }
    }
  });
});

describe("a broken topic note stops ingestion with a message naming it", () => {
  let dir: string;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("names the file and the line of a quote that is not in the source", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "kpo-topics-"));
    await cp(path.join(REPO_ROOT, "corpus/sources"), path.join(dir, "sources"), { recursive: true });
    await cp(path.join(REPO_ROOT, "corpus/sources.json"), path.join(dir, "sources.json"));
    await mkdir(path.join(dir, "topics"));
    await writeFile(path.join(dir, "topics/bad.md"), NOTE.replace("may risk the security", "may endanger the security"));
    const notes = await loadTopics(dir, dir);
    const { docs, chunks } = await sourceChunks(dir);
    expect(() => topicChunks(notes, docs, chunks)).toThrow(/topics\/bad\.md: line 8: evidence .* is not verbatim/);
  });
});
