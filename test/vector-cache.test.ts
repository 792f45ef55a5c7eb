import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { VectorCache } from "../src/index/vector-cache.ts";

const ID = "model@1 (test)";
const FILE = "model_1_test_";
const vector = (seed: number, dims = 512) => Array.from(Float32Array.from({ length: dims }, (_, d) => Math.sin(seed * 31 + d) / 7));

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "kpo-vector-cache-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("the file vector cache stores float32 rows by content hash", () => {
  it("gives back exactly the vectors it saved, only those kept, in a file of about 2 KB per 512-d vector", async () => {
    const cache = await VectorCache.open(dataDir, ID);
    expect(cache.get("a")).toBeUndefined();
    for (let i = 0; i < 100; i++) cache.set(`h${i}`, vector(i));
    await cache.save([...Array.from({ length: 99 }, (_, i) => `h${i}`), "h0", "never-set"]);

    const reopened = await VectorCache.open(dataDir, ID);
    for (let i = 0; i < 99; i++) expect(reopened.get(`h${i}`)).toEqual(vector(i));
    expect(reopened.get("h99")).toBeUndefined();
    expect(reopened.get("never-set")).toBeUndefined();
    const { size } = await stat(path.join(dataDir, "vectors", `${FILE}.vectors`));
    expect(size).toBeLessThan(99 * (512 * 4 + 100));
    // Another embedder's vectors are never reused.
    expect((await VectorCache.open(dataDir, "other@1")).get("h0")).toBeUndefined();
  });

  it("keeps the previous cache readable when a save is interrupted, and ignores a damaged file", async () => {
    const first = await VectorCache.open(dataDir, ID);
    first.set("old", vector(1));
    await first.save(["old"]);
    const file = path.join(dataDir, "vectors", `${FILE}.vectors`);
    const saved = await readFile(file);

    // A crash mid-write leaves a partly written temp file beside the cache; the cache itself is untouched.
    await writeFile(`${file}.4242.deadbeef.tmp`, saved.subarray(0, saved.length / 2));
    expect((await VectorCache.open(dataDir, ID)).get("old")).toEqual(vector(1));

    // A save that fails leaves the previous file as it was.
    const failing = await VectorCache.open(dataDir, ID);
    failing.set("new", vector(2, 16));
    await expect(failing.save(["old", "new"])).rejects.toThrow(/16 dimensions/);
    expect(await readFile(file)).toEqual(saved);

    // A truncated or foreign file costs time (everything is embedded again), never wrong vectors.
    await writeFile(file, saved.subarray(0, saved.length - 8));
    expect((await VectorCache.open(dataDir, ID)).get("old")).toBeUndefined();
    await writeFile(file, "not a cache");
    expect((await VectorCache.open(dataDir, ID)).get("old")).toBeUndefined();
  });

  it("reads a cache written as JSON by earlier versions once, then replaces it with the binary form", async () => {
    await mkdir(path.join(dataDir, "vectors"), { recursive: true });
    const legacy = path.join(dataDir, "vectors", `${FILE}.json`);
    await writeFile(legacy, JSON.stringify({ embedder: ID, vectors: { a: vector(1), b: vector(2) } }));

    const migrated = await VectorCache.open(dataDir, ID);
    expect(migrated.get("a")).toEqual(vector(1));
    expect(migrated.get("b")).toEqual(vector(2));
    await migrated.save(["a", "b"]);
    expect(await readdir(path.join(dataDir, "vectors"))).toEqual([`${FILE}.vectors`]);
    expect((await VectorCache.open(dataDir, ID)).get("b")).toEqual(vector(2));
  });
});
