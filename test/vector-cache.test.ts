import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { VectorCache } from "../src/index/vector-cache.ts";

const ID = "model@1 (test)";
const FILE = "model_1_test_";
const vector = (seed: number, dims = 512) => Array.from(Float32Array.from({ length: dims }, (_, d) => Math.sin(seed * 31 + d) / 7));
/** A cached vector as a plain array (the cache hands out Float32Array rows). */
const got = (cache: VectorCache, hash: string) => {
  const v = cache.get(hash);
  return v && Array.from(v);
};

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
    expect(got(cache, "a")).toBeUndefined();
    for (let i = 0; i < 100; i++) cache.set(`h${i}`, vector(i));
    await cache.save([...Array.from({ length: 99 }, (_, i) => `h${i}`), "h0", "never-set"]);

    const reopened = await VectorCache.open(dataDir, ID);
    for (let i = 0; i < 99; i++) expect(got(reopened, `h${i}`)).toEqual(vector(i));
    expect(got(reopened, "h99")).toBeUndefined();
    expect(got(reopened, "never-set")).toBeUndefined();
    const { size } = await stat(path.join(dataDir, "vectors", `${FILE}.vectors`));
    expect(size).toBeLessThan(99 * (512 * 4 + 100));
    // Another embedder's vectors are never reused.
    expect(got(await VectorCache.open(dataDir, "other@1"), "h0")).toBeUndefined();
  });

  it("keeps the previous cache readable when a save is interrupted, and ignores a damaged file", async () => {
    const first = await VectorCache.open(dataDir, ID);
    first.set("old", vector(1));
    await first.save(["old"]);
    const file = path.join(dataDir, "vectors", `${FILE}.vectors`);
    const saved = await readFile(file);

    // A crash mid-write leaves a partly written temp file beside the cache; the cache itself is untouched.
    await writeFile(`${file}.4242.deadbeef.tmp`, saved.subarray(0, saved.length / 2));
    expect(got(await VectorCache.open(dataDir, ID), "old")).toEqual(vector(1));

    // A save that fails leaves the previous file as it was.
    const failing = await VectorCache.open(dataDir, ID);
    failing.set("new", vector(2, 16));
    await expect(failing.save(["old", "new"])).rejects.toThrow(/16 dimensions/);
    expect(await readFile(file)).toEqual(saved);

    // A truncated or foreign file costs time (everything is embedded again), never wrong vectors.
    await writeFile(file, saved.subarray(0, saved.length - 8));
    expect(got(await VectorCache.open(dataDir, ID), "old")).toBeUndefined();
    await writeFile(file, "not a cache");
    expect(got(await VectorCache.open(dataDir, ID), "old")).toBeUndefined();
  });

  it("reads a cache written as JSON by earlier versions once, then replaces it with the binary form", async () => {
    await mkdir(path.join(dataDir, "vectors"), { recursive: true });
    const legacy = path.join(dataDir, "vectors", `${FILE}.json`);
    await writeFile(legacy, JSON.stringify({ embedder: ID, vectors: { a: vector(1), b: vector(2) } }));

    const migrated = await VectorCache.open(dataDir, ID);
    expect(got(migrated, "a")).toEqual(vector(1));
    expect(got(migrated, "b")).toEqual(vector(2));
    await migrated.save(["a", "b"]);
    expect(await readdir(path.join(dataDir, "vectors"))).toEqual([`${FILE}.vectors`]);
    expect(got(await VectorCache.open(dataDir, ID), "b")).toEqual(vector(2));
  });

  it("appends only new vectors on save, so one new document does not rewrite the corpus's vectors", async () => {
    const cache = await VectorCache.open(dataDir, ID);
    for (let i = 0; i < 50; i++) cache.set(`h${i}`, vector(i));
    await cache.save(Array.from({ length: 50 }, (_, i) => `h${i}`));
    const file = path.join(dataDir, "vectors", `${FILE}.vectors`);
    const before = await readFile(file);

    const next = await VectorCache.open(dataDir, ID);
    next.set("new", vector(99));
    await next.save([...Array.from({ length: 50 }, (_, i) => `h${i}`), "new"]);
    const after = await readFile(file);
    // The old bytes are untouched; one record (a key and 2 KB of floats) was added after them.
    expect(after.subarray(0, before.length)).toEqual(before);
    expect(after.length - before.length).toBeLessThan(512 * 4 + 16);
    expect(got(await VectorCache.open(dataDir, ID), "new")).toEqual(vector(99));

    // Saving again with nothing new writes nothing.
    await (await VectorCache.open(dataDir, ID)).save(["new", "h1"]);
    expect(await readFile(file)).toEqual(after);
  });

  it("ignores a partial record left by a crash mid-append, and the next save overwrites it", async () => {
    const cache = await VectorCache.open(dataDir, ID);
    cache.set("a", vector(1));
    await cache.save(["a"]);
    const file = path.join(dataDir, "vectors", `${FILE}.vectors`);
    const complete = await readFile(file);
    await appendFile(file, Buffer.alloc(700, 7)); // half a record

    const reopened = await VectorCache.open(dataDir, ID);
    expect(got(reopened, "a")).toEqual(vector(1));
    reopened.set("b", vector(2));
    await reopened.save(["a", "b"]);
    const again = await VectorCache.open(dataDir, ID);
    expect(got(again, "a")).toEqual(vector(1));
    expect(got(again, "b")).toEqual(vector(2));
    expect((await stat(file)).size).toBe(complete.length * 2 - (complete.length - (512 * 4 + 8)));
  });

  it("rewrites the file with only the kept vectors once unused rows outnumber used ones", async () => {
    const cache = await VectorCache.open(dataDir, ID);
    const all = Array.from({ length: 1_200 }, (_, i) => `h${i}`);
    all.forEach((h, i) => cache.set(h, vector(i, 8)));
    await cache.save(all);
    const reopened = await VectorCache.open(dataDir, ID);
    reopened.set("fresh", vector(7, 8));
    await reopened.save(["h0", "fresh"]); // 1,199 rows unused
    const compacted = await VectorCache.open(dataDir, ID);
    expect(compacted.size).toBe(2);
    expect(got(compacted, "h0")).toEqual(vector(0, 8));
    expect(got(compacted, "fresh")).toEqual(vector(7, 8));
  });

  it("reads the earlier binary form (all hashes in one header) and rewrites it in the new form", async () => {
    await mkdir(path.join(dataDir, "vectors"), { recursive: true });
    const file = path.join(dataDir, "vectors", `${FILE}.vectors`);
    const header = Buffer.from(JSON.stringify({ embedder: ID, dimensions: 4, hashes: ["x", "y"] }));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length);
    const rows = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    await writeFile(file, Buffer.concat([Buffer.from("KPOVEC1\n"), length, header, Buffer.from(rows.buffer)]));
    const cache = await VectorCache.open(dataDir, ID);
    expect(got(cache, "y")).toEqual([5, 6, 7, 8]);
    await cache.save(["x", "y"]);
    expect((await readFile(file)).subarray(0, 8).toString()).toBe("KPOVEC2\n");
    expect(got(await VectorCache.open(dataDir, ID), "x")).toEqual([1, 2, 3, 4]);
  });
});
