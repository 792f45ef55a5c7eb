import { appendFile, cp, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings, type Settings } from "../src/config/settings.ts";
import { embeddingText, sentenceEmbeddingText } from "../src/ingest/chunk.ts";
import { ensureIndex } from "../src/ingest/ensure.ts";
import { corpusFingerprint, ingest, type IngestSummary } from "../src/ingest/pipeline.ts";
import { CALIBRATION_QUERY_KIND } from "../src/index/hnsw-calibrate.ts";
import { PIPELINE_VERSION } from "../src/index/manifest.ts";
import { computeTermStats } from "../src/index/term-stats.ts";
import { stem } from "../src/text/terms.ts";
import { loadIndex, readManifest, type LoadedIndex } from "../src/index/store.ts";
import type { Chunk } from "../src/schema/passage.ts";
import { calibrationTextsOf } from "./support/calibration-texts.ts";
import { FakeEmbedder, fakeVector } from "./support/fake-embedder.ts";

const REPO = path.resolve(import.meta.dirname, "..");
const EDITED = "001_d7f5a77dcf703fb7.txt";
const APPENDED =
  "Recruitment process outsourcing is a close relative of KPO. A company hands the search, screening and hiring of specialist staff to an outside provider, which keeps a bench of candidates with rare skills and fills positions faster than an in-house team could.";



/** Every text the pipeline embeds for a chunk: the chunk itself and each of its sentences. */
const textsOf = (chunk: Chunk) => [embeddingText(chunk), ...chunk.sentences.map((s) => sentenceEmbeddingText(chunk, s))];

let tmp: string;
let settings: Settings;
const fake = new FakeEmbedder();

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "kpo-incremental-"));
  await cp(path.join(REPO, "corpus"), path.join(tmp, "corpus"), { recursive: true });
  settings = loadSettings({ CORPUS_DIR: path.join(tmp, "corpus"), DATA_DIR: path.join(tmp, "data"), LOG_LEVEL: "silent" }, tmp);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

// The steps build on each other in order: first build, unchanged re-ingest, edit, ensureIndex.
describe("incremental ingestion with a content-hash vector cache", () => {
  let first: IngestSummary;
  let firstIndex: LoadedIndex;

  it("embeds every chunk and sentence on the first ingest", async () => {
    first = await ingest(settings, fake);
    firstIndex = (await loadIndex(settings.DATA_DIR, fake))!;
    // Every chunk and sentence, and the question-like texts its HNSW breadth is measured with.
    const calibration = calibrationTextsOf(firstIndex.chunks);
    expect(calibration.length).toBeGreaterThanOrEqual(150);
    const expected = new Set([...firstIndex.chunks.flatMap(textsOf), ...calibration]);
    expect(new Set(fake.texts)).toEqual(expected);
    expect(fake.texts).toHaveLength(expected.size);
    expect(first.embedded).toBe(expected.size);
    const all = firstIndex.chunks.reduce((n, c) => n + 1 + c.sentences.length, 0);
    expect(first.embedded + first.reused).toBe(all + calibration.length);
    expect(first).toMatchObject({ documents: 5, chunks: firstIndex.chunks.filter((c) => c.kind !== "glossary" && c.kind !== "topic").length });
    expect(first.glossary).toBeGreaterThanOrEqual(25);
    expect(first.indexDir).toBe(firstIndex.dir);
    expect(fake.calls.every((batch) => batch.length <= fake.maxBatch)).toBe(true);
  });

  it("writes a manifest naming the embedder, dimensions, corpus hash, chunk hashes, counts and version", async () => {
    const manifest = (await readManifest(settings.DATA_DIR))!;
    expect(manifest).toEqual(firstIndex.manifest);
    expect(manifest.embedder).toEqual({ id: "fake@1", dimensions: 16 });
    expect(manifest.version).toBe(PIPELINE_VERSION);
    expect(manifest.corpusHash).toBe(await corpusFingerprint(settings));
    expect(manifest.chunkHashes).toEqual(firstIndex.chunks.map((c) => c.hash));
    expect(manifest.counts).toEqual({ documents: 5, chunks: first.chunks, glossary: first.glossary, claims: firstIndex.chunks.filter((c) => c.kind === "topic").length });
    expect(manifest.counts.claims).toBeGreaterThan(50);
    // The index measured its own HNSW search breadth against the recall target.
    expect(manifest.hnsw!.target).toBe(0.95);
    expect(manifest.hnsw!.recall).toBeGreaterThanOrEqual(0.95);
    expect(manifest.hnsw!.vectors).toBe(firstIndex.chunks.length);
    expect(manifest.hnsw!.queryKind).toBe(CALIBRATION_QUERY_KIND);
    expect(manifest.hnsw!.queries).toBe(calibrationTextsOf(firstIndex.chunks).length);
    expect(manifest.includeComments).toBe(false);
    expect(Number.isNaN(Date.parse(manifest.createdAt))).toBe(false);
    const onDisk = JSON.parse(await readFile(path.join(firstIndex.dir, "manifest.json"), "utf8"));
    expect(onDisk).toEqual(manifest);
  });

  it("embeds nothing when nothing changed", async () => {
    const before = fake.texts.length;
    const second = await ingest(settings, fake);
    expect(second.embedded).toBe(0);
    expect(fake.texts.length).toBe(before);
    expect(second.reused).toBe(first.embedded + first.reused);
    const index = (await loadIndex(settings.DATA_DIR, fake))!;
    expect(index.manifest.chunkHashes).toEqual(firstIndex.manifest.chunkHashes);
    expect(index.manifest.corpusHash).toBe(firstIndex.manifest.corpusHash);
  });

  it("re-embeds only the edited file's new or changed chunks and sentences, reusing the rest", async () => {
    const before = fake.texts.length;
    await appendFile(path.join(settings.CORPUS_DIR, "sources", EDITED), `\n${APPENDED}\n`);
    const third = await ingest(settings, fake);
    const fresh = fake.texts.slice(before);
    const index = (await loadIndex(settings.DATA_DIR, fake))!;

    expect(third.embedded).toBeGreaterThan(0);
    expect(fresh).toHaveLength(third.embedded);
    // Every newly embedded text is a chunk or sentence of the edited file ...
    // (or a calibration text the edit brought into the sample: the rest of the sample is kept) ...
    const previousCalibration = new Set(calibrationTextsOf(firstIndex.chunks));
    const calibration = calibrationTextsOf(index.chunks);
    const newCalibration = calibration.filter((t) => !previousCalibration.has(t));
    expect(newCalibration.length).toBeLessThan(10);
    const editedTexts = new Set([...index.chunks.filter((c) => c.sourceId === EDITED).flatMap(textsOf), ...newCalibration]);
    for (const text of fresh) expect(editedTexts.has(text), text.slice(0, 80)).toBe(true);
    // ... and the appended paragraph is among them.
    expect(fresh.some((t) => t.includes("Recruitment process outsourcing is a close relative of KPO."))).toBe(true);
    // Chunks of the other files keep their hashes and were not embedded again.
    const otherBefore = firstIndex.chunks.filter((c) => c.sourceId !== EDITED).map((c) => c.hash);
    const otherAfter = index.chunks.filter((c) => c.sourceId !== EDITED).map((c) => c.hash);
    expect(otherAfter).toEqual(otherBefore);
    const otherTexts = new Set(index.chunks.filter((c) => c.sourceId !== EDITED).flatMap(textsOf));
    expect(fresh.filter((t) => otherTexts.has(t) && !editedTexts.has(t))).toEqual([]);
    expect(third.reused).toBeGreaterThan(third.embedded);
    expect(third.embedded + third.reused).toBe(index.chunks.reduce((n, c) => n + 1 + c.sentences.length, 0) + calibration.length);
    expect(index.chunks.some((c) => c.sourceId === EDITED && c.text.includes("Recruitment process outsourcing"))).toBe(true);
    // Term statistics merged from cached per-document counts equal a count over the whole new index.
    expect(third.cleaned).toBe(1);
    expect(index.termStats).toEqual(computeTermStats(index.chunks));
    expect(index.termStats.df[stem("recruitment")]).toBeGreaterThan(firstIndex.termStats.df[stem("recruitment")] ?? 0);
  });

  it("ensureIndex does not rebuild when nothing changed", async () => {
    const before = fake.texts.length;
    const current = (await readManifest(settings.DATA_DIR))!;
    const info: string[] = [];
    const { index, rebuilt } = await ensureIndex(settings, fake, { info: (m) => info.push(m) });
    expect(rebuilt).toBeUndefined();
    expect(info).toEqual([]);
    expect(index.manifest).toEqual(current);
    expect(fake.texts.length).toBe(before);
  });

  it("ensureIndex rebuilds when the corpus changed, and says why", async () => {
    const before = (await readManifest(settings.DATA_DIR))!;
    await appendFile(path.join(settings.CORPUS_DIR, "sources", EDITED), "\nA second appended sentence about KPO vendors in Manila.\n");
    const info: string[] = [];
    const { index, rebuilt } = await ensureIndex(settings, fake, { info: (m) => info.push(m) });
    expect(rebuilt).toMatch(/corpus changed/);
    expect(info).toEqual([rebuilt]);
    expect(index.manifest.corpusHash).not.toBe(before.corpusHash);
    expect(index.manifest.corpusHash).toBe(await corpusFingerprint(settings));
    expect(index.chunks.some((c) => c.text.includes("KPO vendors in Manila"))).toBe(true);
  });

  it("ensureIndex rebuilds with a message naming both embedders when another embedder is selected", async () => {
    const other = new FakeEmbedder("fake@2");
    const { index, rebuilt } = await ensureIndex(settings, other);
    expect(rebuilt).toContain("fake@1");
    expect(rebuilt).toContain("fake@2");
    expect(index.manifest.embedder.id).toBe("fake@2");
    // Cached vectors are per embedder: the new embedder embeds everything.
    expect(new Set(other.texts)).toEqual(new Set([...index.chunks.flatMap(textsOf), ...calibrationTextsOf(index.chunks)]));
    const again = await ensureIndex(settings, other);
    expect(again.rebuilt).toBeUndefined();
  });

  it("loadIndex returns chunks, glossary, sources and an HNSW store that finds a chunk by its own vector", async () => {
    const index = (await loadIndex(settings.DATA_DIR, fake))!;
    expect(index.chunks.length).toBe(index.manifest.counts.chunks + index.manifest.counts.glossary + index.manifest.counts.claims);
    expect(index.glossary.length).toBe(index.manifest.counts.glossary);
    expect(index.chunks.filter((c) => c.kind === "glossary").map((c) => c.term)).toEqual(index.glossary.map((g) => g.slug));
    expect(index.sources.map((s) => s.id).sort()).toEqual([
      "000_07027fcb20a76bf4.txt",
      "001_d7f5a77dcf703fb7.txt",
      "002_1a42ee74994f4284.txt",
      "003_9a5fc89310b847aa.txt",
      "004_621600268699f1e9.txt",
    ]);
    for (const source of index.sources) expect(source.chunks).toBe(index.chunks.filter((c) => c.sourceId === source.id).length);
    const sentenceCount = index.chunks.reduce((n, c) => n + c.sentences.length, 0);
    expect(index.sentenceVectors.count).toBe(sentenceCount);

    for (const chunk of [index.chunks[0]!, index.chunks.find((c) => c.section.at(-1) === "Risks")!, index.chunks.at(-1)!]) {
      const [[doc, distance]] = await index.hnsw.similaritySearchVectorWithScore(fakeVector(embeddingText(chunk)), 1);
      expect(doc!.metadata.id).toBe(chunk.id);
      expect(distance).toBeCloseTo(0, 5);
    }
    // Sentence vectors are stored in chunk/sentence order.
    const firstChunk = index.chunks[0]!;
    const stored = Array.from(index.sentenceVectors.row(0));
    const expected = fakeVector(sentenceEmbeddingText(firstChunk, firstChunk.sentences[0]!));
    // Held as int8 in memory: within one quantisation step of the largest component (< 0.5/127 of it).
    stored.forEach((x, i) => expect(Math.abs(x - expected[i]!)).toBeLessThan(Math.max(...expected.map(Math.abs)) / 200));
    expect(index.sentenceVectors.cosine(expected, 0)).toBeCloseTo(1, 3);
  });
});
