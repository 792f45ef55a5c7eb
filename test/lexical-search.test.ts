import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { loadSettings } from "../src/config/settings.ts";
import { IndexError } from "../src/errors.ts";
import { ingest } from "../src/ingest/pipeline.ts";
import type { InThreadLexicalIndex } from "../src/index/lexical.ts";
import { LEXICAL_FILE, openLexicalIndex } from "../src/index/lexical-sqlite.ts";
import { openLexicalIndexInWorker } from "../src/index/lexical-worker.ts";
import { loadIndex, publishedIndexName, writeIndex } from "../src/index/store.ts";
import { FakeEmbedder } from "./support/fake-embedder.ts";
import { REPO_ROOT } from "./support/assistant.ts";

describe("lexical search over the real index (SQLite FTS5)", () => {
  let lexical: InThreadLexicalIndex;
  let chunkText: Map<string, string>;
  beforeAll(async () => {
    const dataDir = inject("sharedDataDir");
    const dir = path.join(dataDir, (await publishedIndexName(dataDir))!);
    lexical = openLexicalIndex(path.join(dir, LEXICAL_FILE));
    const chunks = JSON.parse(await readFile(path.join(dir, "chunks.json"), "utf8")) as { id: string; text: string }[];
    chunkText = new Map(chunks.map((c) => [c.id, c.text]));
  });
  afterAll(() => lexical.close());

  const topTexts = (query: string, k = 3) => lexical.search(query, k).map((h) => chunkText.get(h.id) ?? "");

  it.each([
    ["how big was the kpo market in india in 2005", /1\.3 billion/],
    ["global kpo market size estimate for 2015?", /17 billion/],
    ["what did IBPAP predict for the philippine outsourcing sector by 2016", /25 billion/],
  ])("ranks the answering chunk in the top 3 for %j", (query, answer) => {
    expect(topTexts(query).some((t) => answer.test(t))).toBe(true);
  });

  it.each([
    ["globl kpo markt size 2015", "global kpo market size 2015", /17 billion/],
    ["kpo markt in inda 2005", "kpo market in inda 2005", /1\.3 billion/],
  ])("finds the same chunks when words of 5+ letters are misspelt: %j", (query, spelt, answer) => {
    expect(lexical.search(query, 5).map((h) => h.id)).toEqual(lexical.search(spelt, 5).map((h) => h.id));
    // Among five: "kpo" is in four of the five documents' titles, so BM25 gives it no weight here.
    expect(topTexts(query, 5).some((t) => answer.test(t))).toBe(true);
  });

  it("corrects a typo only to terms the index holds, and leaves short words and acronyms alone", () => {
    const misspelt = lexical.search("outsorcing", 5);
    expect(misspelt.length).toBeGreaterThan(0);
    expect(misspelt.map((h) => h.id)).toEqual(lexical.search("outsourcing", 5).map((h) => h.id));
    // "kpx" is one edit from "kpo", but three-letter terms are never corrected.
    expect(lexical.search("kpx", 5)).toEqual([]);
  });

  it.each([
    ["4IR", "glossary:fourth-industrial-revolution"],
    ["competitiveness", "glossary:competitive-advantage"],
    ["call centre", "glossary:contact-center"],
  ])("finds the glossary entry by its alias %j", (query, id) => {
    expect(lexical.search(query, 3).map((h) => h.id)).toContain(id);
  });

  it("returns nothing for a query of stopwords only, and never more than k hits, best first", () => {
    expect(lexical.search("what is the", 10)).toEqual([]);
    const hits = lexical.search("risks of outsourcing knowledge work", 7);
    expect(hits).toHaveLength(7);
    const scores = hits.map((h) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it("treats FTS5 syntax in a query as words", () => {
    expect(() => lexical.search('"kpo" OR NEAR(bpo* ^ col:x) AND -', 5)).not.toThrow();
    expect(lexical.search('"kpo" OR NEAR(bpo', 5).length).toBeGreaterThan(0);
  });

  it("searched on its own thread, answers as it does in this one, several searches at once", async () => {
    const dataDir = inject("sharedDataDir");
    const file = path.join(dataDir, (await publishedIndexName(dataDir))!, LEXICAL_FILE);
    const threaded = await openLexicalIndexInWorker(file);
    try {
      expect(threaded.size).toBe(lexical.size);
      const queries = ["how big was the kpo market in india in 2005", "globl kpo markt size 2015", "call centre", "what is the"];
      expect(await Promise.all(queries.map((q) => threaded.search(q, 5)))).toEqual(queries.map((q) => lexical.search(q, 5)));
    } finally {
      threaded.close();
    }
    await expect(threaded.search("kpo", 5)).rejects.toThrow(/closed/);
  });

  it("on its own thread, a file that cannot be opened fails with an error naming it", async () => {
    const missing = path.join(os.tmpdir(), "kpo-no-such-dir", LEXICAL_FILE);
    await expect(openLexicalIndexInWorker(missing)).rejects.toThrow(new RegExp(`cannot open the lexical index ${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });
});

describe("the lexical file in a rebuilt index", () => {
  let tmp: string;
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function builtIndex() {
    tmp = await mkdtemp(path.join(os.tmpdir(), "kpo-lexical-"));
    await cp(path.join(REPO_ROOT, "corpus"), path.join(tmp, "corpus"), { recursive: true });
    const settings = loadSettings({ CORPUS_DIR: path.join(tmp, "corpus"), DATA_DIR: path.join(tmp, "data"), LOG_LEVEL: "silent" }, tmp);
    const fake = new FakeEmbedder();
    await ingest(settings, fake);
    return { settings, fake, index: (await loadIndex(settings.DATA_DIR, fake))! };
  }

  it("is never half-written: a build that fails while writing it leaves the previous index live and searchable", async () => {
    const { settings, fake, index } = await builtIndex();
    const before = await index.lexical.search("kpo market 2005", 5);
    const documents = index.chunks.map((c) => ({ id: c.id, text: c.text, section: "", terms: "", title: "" }));
    // A document the analyser cannot read, half-way through the file.
    documents.splice(documents.length >> 1, 0, { id: "broken", text: undefined as unknown as string, section: "", terms: "", title: "" });
    const attempt = writeIndex(settings.DATA_DIR, { manifest: index.manifest, chunks: index.chunks, glossary: index.glossary, sources: index.sources, dense: { vectors: index.chunks.map(() => new Float32Array(fake.dimensions).fill(0.1)), sentenceVectors: [], calibrationQueries: [], dimensions: fake.dimensions }, lexical: documents, termStats: index.termStats }, fake);
    await expect(attempt).rejects.toBeInstanceOf(IndexError);
    expect((await readdir(settings.DATA_DIR)).filter((e) => e.startsWith(".building-"))).toEqual([]);
    const after = (await loadIndex(settings.DATA_DIR, fake))!;
    expect(after.dir).toBe(index.dir);
    expect(await after.lexical.search("kpo market 2005", 5)).toEqual(before);
    index.lexical.close();
    after.lexical.close();
  });

  it("a damaged lexical file fails loading with an error that names it and says to re-ingest", async () => {
    const { settings, fake, index } = await builtIndex();
    index.lexical.close();
    await writeFile(path.join(index.dir, LEXICAL_FILE), "not a database");
    const attempt = loadIndex(settings.DATA_DIR, fake);
    await expect(attempt).rejects.toBeInstanceOf(IndexError);
    await expect(attempt).rejects.toThrow(/kpo ingest/);
    await expect(attempt).rejects.toThrow(LEXICAL_FILE);
  });
});
