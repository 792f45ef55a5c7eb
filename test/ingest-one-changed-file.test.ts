import { appendFile, cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings, type Settings } from "../src/config/settings.ts";
import { IndexError } from "../src/errors.ts";
import { embeddingText, sentenceEmbeddingText } from "../src/ingest/chunk.ts";
import { ingest } from "../src/ingest/pipeline.ts";
import { loadIndex } from "../src/index/store.ts";
import type { Chunk } from "../src/schema/passage.ts";
import { calibrationTextsOf } from "./support/calibration-texts.ts";
import { FakeEmbedder, fakeVector } from "./support/fake-embedder.ts";

const REPO = path.resolve(import.meta.dirname, "..");
const EDITED = "001_d7f5a77dcf703fb7.txt";
const APPENDED =
  "Legal process outsourcing sends contract review, discovery and patent searches to lawyers and paralegals abroad, who work through large document sets at a fraction of onshore rates.";
const POISONED = "Poisoned paragraph for the embedding worker: it refuses to embed any batch holding this sentence.";

const textsOf = (chunk: Chunk) => [embeddingText(chunk), ...chunk.sentences.map((s) => sentenceEmbeddingText(chunk, s))];

let tmp: string;
let settings: Settings;
let log: string;
/** What the worker threads embedded, in order (each worker appends to the log file). */
const embedded = async () => (await readFile(log, "utf8").catch(() => "")).split("\n").filter(Boolean).map((l) => JSON.parse(l) as string);

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "kpo-one-file-"));
  await cp(path.join(REPO, "corpus"), path.join(tmp, "corpus"), { recursive: true });
  log = path.join(tmp, "embedded.jsonl");
  settings = loadSettings({ CORPUS_DIR: path.join(tmp, "corpus"), DATA_DIR: path.join(tmp, "data"), LOG_LEVEL: "silent", EMBED_WORKERS: "2" }, tmp);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

// The steps build on each other: a cold ingest on two workers, an unchanged one, one edited file, a failing worker.
describe("ingest on worker threads, incremental per document", () => {
  const fake = () => new FakeEmbedder("fake@1", { workers: true, log, failOn: "Poisoned paragraph" });

  it("embeds every chunk and sentence once, on the worker threads, and cleans every document", async () => {
    const main = fake();
    const first = await ingest(settings, main);
    const index = (await loadIndex(settings.DATA_DIR, main))!;
    const expected = new Set([...index.chunks.flatMap(textsOf), ...calibrationTextsOf(index.chunks)]);
    const texts = await embedded();
    expect(main.texts).toEqual([]); // nothing was embedded on the main thread
    expect(new Set(texts)).toEqual(expected);
    expect(texts).toHaveLength(expected.size);
    expect(first).toMatchObject({ documents: 5, cleaned: 5, embedded: expected.size });
    expect(await readdir(path.join(settings.DATA_DIR, "chunked"))).toHaveLength(5);
  });

  it("reuses the cached chunks and vectors when nothing changed: nothing cleaned, nothing embedded", async () => {
    const before = (await embedded()).length;
    const again = await ingest(settings, fake());
    expect(again).toMatchObject({ cleaned: 0, embedded: 0, documents: 5 });
    expect((await embedded()).length).toBe(before);
  });

  it("re-cleans and re-embeds only the changed file, and patches the dense index instead of rebuilding it", async () => {
    const previous = (await loadIndex(settings.DATA_DIR, fake()))!;
    const before = (await embedded()).length;
    await appendFile(path.join(settings.CORPUS_DIR, "sources", EDITED), `\n${APPENDED}\n`);
    const steps: string[] = [];
    const main = fake();
    const third = await ingest(settings, main, { onStep: (step) => steps.push(step) });
    const index = (await loadIndex(settings.DATA_DIR, fake()))!;

    expect(third.cleaned).toBe(1);
    const fresh = (await embedded()).slice(before);
    expect(fresh.length).toBe(third.embedded);
    expect(fresh.length).toBeGreaterThan(0);
    // A calibration text the edit brought into the HNSW breadth's sample is new too; the rest of the sample is kept.
    const previousCalibration = new Set(calibrationTextsOf(previous.chunks));
    const newCalibration = calibrationTextsOf(index.chunks).filter((t) => !previousCalibration.has(t));
    const editedTexts = new Set([...index.chunks.filter((c) => c.sourceId === EDITED).flatMap(textsOf), ...newCalibration]);
    for (const text of fresh) expect(editedTexts.has(text), text.slice(0, 80)).toBe(true);
    // Too few to start workers for, yet embedded on one: it started when the edited file brought new text, while the rest was chunked.
    expect(main.texts).toEqual([]);
    expect(index.chunks.filter((c) => c.sourceId !== EDITED)).toEqual(previous.chunks.filter((c) => c.sourceId !== EDITED));

    // The graph was patched: only the edited file's new chunks were added to it.
    const hnswStep = steps.find((s) => s.startsWith("write: hnsw"))!;
    const changed = index.chunks.filter((c) => !previous.chunks.some((p) => p.id === c.id && p.hash === c.hash)).length;
    expect(hnswStep).toMatch(new RegExp(`reused: \\+${changed} -\\d+`));
    // ... and it finds the new chunk by its vector, and no longer returns the chunk it replaced.
    const added = index.chunks.find((c) => c.text.includes("Legal process outsourcing sends contract review"))!;
    const [[doc, distance]] = await index.hnsw.similaritySearchVectorWithScore(fakeVector(embeddingText(added)), 1);
    expect(doc!.metadata.id).toBe(added.id);
    expect(distance).toBeCloseTo(0, 5);
    const ids = new Set(index.chunks.map((c) => c.id));
    const all = await index.hnsw.similaritySearchVectorWithScore(fakeVector(embeddingText(added)), index.chunks.length);
    for (const [d] of all) expect(ids.has(d.metadata.id as string)).toBe(true);
    expect(all).toHaveLength(index.chunks.length);
  });

  it("fails the ingest with the worker's error when a worker throws, and leaves the previous index published", async () => {
    const live = (await loadIndex(settings.DATA_DIR, fake()))!;
    const current = await readFile(path.join(settings.DATA_DIR, "CURRENT"), "utf8");
    await appendFile(path.join(settings.CORPUS_DIR, "sources", EDITED), `\n${POISONED}\n`);
    // Another embedder: everything is embedded again, on the workers (a few texts would be embedded in this thread).
    const attempt = ingest(settings, new FakeEmbedder("fake@2", { workers: true, failOn: "Poisoned paragraph" }));
    await expect(attempt).rejects.toBeInstanceOf(IndexError);
    await expect(attempt).rejects.toThrow(/embedding worker \d of \d failed on a batch of \d+ texts: fake embedder refuses/);
    expect(await readFile(path.join(settings.DATA_DIR, "CURRENT"), "utf8")).toBe(current);
    const after = (await loadIndex(settings.DATA_DIR, fake()))!;
    expect(after.manifest).toEqual(live.manifest);
    expect((await readdir(settings.DATA_DIR)).filter((e) => e.startsWith(".building-"))).toEqual([]);
  });
});
