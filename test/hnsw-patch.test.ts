import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeHnsw, type DenseEntry } from "../src/index/hnsw-build.ts";
import { calibrateEf } from "../src/index/hnsw-calibrate.ts";
import { seededRandom } from "../scripts/scale/generate-corpus.ts";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "kpo-hnsw-patch-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const random = seededRandom(7);
const entry = (i: number): DenseEntry => ({ id: `doc:${i}`, hash: `h${i}`, vector: Float32Array.from({ length: 32 }, () => random() - 0.5) });

describe("patching the previous HNSW graph", () => {
  it("deletes the points of chunks that are gone, adds the new ones, and calibrates against the right labels", async () => {
    const first = Array.from({ length: 300 }, (_, i) => entry(i));
    const a = path.join(tmp, "a");
    const b = path.join(tmp, "b");
    await Promise.all([mkdir(a), mkdir(b)]);
    expect(await writeHnsw(a, first, 32)).toMatchObject({ mode: "built", added: 300 });

    // Ten chunks replaced by ten new ones: the graph is patched, not rebuilt.
    const second = [...first.slice(10), ...Array.from({ length: 10 }, (_, i) => entry(1000 + i))];
    const patched = await writeHnsw(b, second, 32, a);
    expect(patched).toMatchObject({ mode: "reused", added: 10, removed: 10 });
    expect(new Set(patched.labels).size).toBe(second.length);
    // Deleted points are never returned; every entry is found under its label.
    second.forEach((e, i) => expect(patched.index.searchKnn(Array.from(e.vector), 1).neighbors[0]).toBe(patched.labels[i]));
    const found = patched.index.searchKnn(Array.from(first[0]!.vector), 300).neighbors;
    expect(found).toHaveLength(second.length);
    for (const label of found) expect(patched.labels).toContain(label);

    const vectors = second.map((e) => e.vector);
    const queries = Array.from({ length: 20 }, () => Float32Array.from({ length: 32 }, () => random() - 0.5));
    expect(calibrateEf(patched.index, vectors, queries, 0.99, patched.labels).recall).toBeGreaterThanOrEqual(0.99);
  });

  it("rebuilds from scratch once deleted points would pass a fifth of the index", async () => {
    const first = Array.from({ length: 100 }, (_, i) => entry(i));
    const a = path.join(tmp, "c");
    const b = path.join(tmp, "d");
    await Promise.all([mkdir(a), mkdir(b)]);
    await writeHnsw(a, first, 32);
    const second = [...first.slice(50), ...Array.from({ length: 50 }, (_, i) => entry(2000 + i))];
    expect(await writeHnsw(b, second, 32, a)).toMatchObject({ mode: "built", added: 100, removed: 0 });
  });
});
