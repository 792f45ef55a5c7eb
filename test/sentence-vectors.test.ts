import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEGACY_SENTENCE_VECTORS_FILE, SENTENCE_VECTORS_FILE, SentenceVectors } from "../src/index/sentence-vectors.ts";

const D = 64;
/** Seeded dense unit vectors, as sentence embeddings are (no component dominates a row). */
function rows(count: number): Float32Array[] {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return Array.from({ length: count }, () => {
    const v = Float32Array.from({ length: D }, () => random());
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}
const exactCosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let dot = 0;
  for (let i = 0; i < D; i++) dot += a[i]! * b[i]!;
  return dot;
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "kpo-sentence-vectors-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("sentence vectors held as int8", () => {
  const floats = rows(300);
  const queries = rows(320).slice(300);

  it("written at ingest and loaded back, give the float cosines within 0.003, for queries and between rows", async () => {
    await SentenceVectors.write(path.join(dir, SENTENCE_VECTORS_FILE), floats, D);
    const vectors = await SentenceVectors.load(dir, D, floats.length);
    expect(vectors.count).toBe(300);
    for (const q of queries) for (let r = 0; r < floats.length; r++) expect(Math.abs(vectors.cosine(q, r) - exactCosine(q, floats[r]!))).toBeLessThan(0.003);
    for (let r = 1; r < floats.length; r++) expect(Math.abs(vectors.between(r - 1, r) - exactCosine(floats[r - 1]!, floats[r]!))).toBeLessThan(0.003);
    expect(vectors.cosine(floats[42]!, 42)).toBeCloseTo(1, 3);
    const back = vectors.row(42);
    back.forEach((x, i) => expect(Math.abs(x - floats[42]![i]!)).toBeLessThan(Math.max(...floats[42]!.map(Math.abs)) / 250));
  });

  it("quantises an older index's float32 file when it has no int8 file", async () => {
    const legacy = await mkdtemp(path.join(dir, "legacy-"));
    await writeFile(path.join(legacy, LEGACY_SENTENCE_VECTORS_FILE), new Uint8Array(Float32Array.from(floats.flatMap((r) => [...r])).buffer));
    const fromLegacy = await SentenceVectors.load(legacy, D, floats.length);
    const fromFile = await SentenceVectors.load(dir, D, floats.length);
    for (const q of queries.slice(0, 3)) for (let r = 0; r < floats.length; r++) expect(fromLegacy.cosine(q, r)).toBeCloseTo(fromFile.cosine(q, r), 6);
  });

  it("refuses a file that holds another number of vectors than the chunks have sentences, naming it", async () => {
    await expect(SentenceVectors.load(dir, D, 299)).rejects.toThrow(/sentences\.q8 does not hold the 299 sentence vectors/);
    const legacy = await mkdtemp(path.join(dir, "short-"));
    await writeFile(path.join(legacy, LEGACY_SENTENCE_VECTORS_FILE), new Uint8Array(D * 4 * 10));
    await expect(SentenceVectors.load(legacy, D, 11)).rejects.toThrow(/sentences\.f32 holds 10 sentence vectors where the chunks have 11 sentences/);
  });

  it("keeps an all-zero vector at similarity 0 instead of dividing by zero", async () => {
    const zero = await mkdtemp(path.join(dir, "zero-"));
    await SentenceVectors.write(path.join(zero, SENTENCE_VECTORS_FILE), [new Float32Array(D), floats[0]!], D);
    const vectors = await SentenceVectors.load(zero, D, 2);
    expect(vectors.cosine(floats[0]!, 0)).toBe(0);
    expect(vectors.between(0, 1)).toBe(0);
  });
});
