import { afterEach, describe, expect, it } from "vitest";
import { embedRows } from "../src/embed/embedder.ts";
import { createUseLiteEmbedder } from "../src/embed/use-lite.ts";
import { EmbedWorkerPool } from "../src/embed/worker-pool.ts";
import { FakeEmbedder, fakeVector } from "./support/fake-embedder.ts";

const pools: EmbedWorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});
const start = (...args: Parameters<typeof EmbedWorkerPool.start>) => {
  const pool = EmbedWorkerPool.start(...args);
  pools.push(pool);
  return pool;
};
const row = (r: { rows: Float32Array; dimensions: number }, i: number) => Array.from(r.rows.subarray(i * r.dimensions, (i + 1) * r.dimensions));

describe("embedding in worker threads", () => {
  it("gives the same USE-lite vectors as the in-process embedder, in the caller's order", async () => {
    const embedder = createUseLiteEmbedder();
    const texts = [
      "KPO is knowledge process outsourcing.",
      "Business process outsourcing moves routine back-office work such as data entry, payroll and customer support to an outside provider, often offshore, to cut costs.",
      "Risks",
      "Analysts in Manila and Bangalore research markets for clients in Europe and North America.",
      ...Array.from({ length: 30 }, (_, i) => `Sentence number ${i} about ${"outsourcing ".repeat((i * 5) % 11)}providers.`),
    ];
    const pool = start(embedder.inWorker!, 2, embedder.maxBatch);
    const [inWorkers, inProcess] = [await pool.embedAll(texts), await embedRows(embedder, texts)];
    expect(inWorkers.dimensions).toBe(512);
    expect(inWorkers.rows.length).toBe(texts.length * 512);
    for (let i = 0; i < texts.length; i++) {
      const a = row(inWorkers, i);
      const b = row(inProcess, i);
      expect(Math.max(...a.map((x, d) => Math.abs(x - b[d]!)))).toBeLessThan(1e-4);
    }
  });

  it("spreads batches over every worker and reports progress after each batch", async () => {
    const fake = new FakeEmbedder("fake@1", { workers: true });
    const texts = Array.from({ length: 50 }, (_, i) => `text ${"x".repeat(i % 7)} ${i}`);
    const progress: number[] = [];
    const result = await start(fake.inWorker!, 3, fake.maxBatch).embedAll(texts, (done) => progress.push(done));
    for (let i = 0; i < texts.length; i++) row(result, i).forEach((x, d) => expect(x).toBeCloseTo(fakeVector(texts[i]!)[d]!, 6));
    expect(progress.at(-1)).toBe(50);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress).toHaveLength(Math.ceil(50 / fake.maxBatch));
  });

  it("grows while a call is running: the new workers take the batches still waiting", async () => {
    const fake = new FakeEmbedder("fake@1", { workers: true });
    const pool = start(fake.inWorker!, 1, fake.maxBatch);
    const texts = Array.from({ length: 40 }, (_, i) => `grown text ${i}`);
    const running = pool.embedAll(texts);
    pool.grow(3);
    pool.grow(2); // never shrinks
    expect(pool.size).toBe(3);
    const result = await running;
    for (let i = 0; i < texts.length; i++) row(result, i).forEach((x, d) => expect(x).toBeCloseTo(fakeVector(texts[i]!)[d]!, 6));
  });

  it("fails the call with an error naming the worker when its embedder throws, and stays failed", async () => {
    const fake = new FakeEmbedder("fake@1", { workers: true, failOn: "poison" });
    const pool = start(fake.inWorker!, 2, fake.maxBatch);
    const texts = [...Array.from({ length: 30 }, (_, i) => `fine text ${i}`), "a poison text"];
    await expect(pool.embedAll(texts)).rejects.toThrow(/embedding worker \d of 2 failed on a batch of \d+ texts: fake embedder refuses "poison"/);
    await expect(pool.embedAll(["fine"])).rejects.toThrow(/refuses/);
  });

  it("fails the call, never hangs, when a worker thread dies mid-batch", async () => {
    const fake = new FakeEmbedder("fake@1", { workers: true, exitOn: "die" });
    const pool = start(fake.inWorker!, 2, fake.maxBatch);
    await expect(pool.embedAll(["one", "two", "please die"])).rejects.toThrow(/embedding worker \d of 2 stopped \(exit code 3\)/);
  });

  it("fails clearly when the worker cannot build the embedder", async () => {
    const pool = start({ module: new URL("./support/fake-embedder.ts", import.meta.url).href, factory: "noSuchFactory" }, 1, 8);
    await expect(pool.embedAll(["x"])).rejects.toThrow(/has no export noSuchFactory\(\)/);
  });
});
