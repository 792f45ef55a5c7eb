import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSettings, type Settings } from "../src/config/settings.ts";
import { IndexError } from "../src/errors.ts";
import { ensureIndex } from "../src/ingest/ensure.ts";
import { ingest } from "../src/ingest/pipeline.ts";
import { loadIndex, readManifest } from "../src/index/store.ts";
import { FakeEmbedder } from "./support/fake-embedder.ts";

const REPO = path.resolve(import.meta.dirname, "..");
const EDITED = "003_9a5fc89310b847aa.txt";
const NEW_TEXT =
  "Captive centres are a third way between doing knowledge work in-house and outsourcing it: a company opens its own offshore unit, keeps control over data and hiring, and still benefits from lower wages and a large pool of graduates abroad.";


let tmp: string;
let settings: Settings;
let fake: FakeEmbedder;

const current = () => readFile(path.join(settings.DATA_DIR, "CURRENT"), "utf8");
const dataEntries = () => readdir(settings.DATA_DIR);
const buildingDirs = async () => (await dataEntries()).filter((e) => e.startsWith(".building-"));

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "kpo-atomic-"));
  await cp(path.join(REPO, "corpus"), path.join(tmp, "corpus"), { recursive: true });
  settings = loadSettings({ CORPUS_DIR: path.join(tmp, "corpus"), DATA_DIR: path.join(tmp, "data"), LOG_LEVEL: "silent" }, tmp);
  fake = new FakeEmbedder();
  await ingest(settings, fake);
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("publishing the index atomically", () => {
  it("a crash just before publishing rejects with an IndexError and leaves the previous index live and loadable", async () => {
    const currentBefore = await current();
    const old = (await loadIndex(settings.DATA_DIR, fake))!;
    await appendFile(path.join(settings.CORPUS_DIR, "sources", EDITED), `\n${NEW_TEXT}\n`);

    const attempt = ingest(settings, fake, {
      beforePublish: () => {
        throw new Error("simulated crash");
      },
    });
    await expect(attempt).rejects.toBeInstanceOf(IndexError);
    await expect(attempt).rejects.toThrow(/previous index is unchanged/);
    await expect(attempt).rejects.toThrow(/simulated crash/);

    expect(await current()).toBe(currentBefore);
    expect(currentBefore.trim()).toBe(path.basename(old.dir));
    const after = (await loadIndex(settings.DATA_DIR, fake))!;
    expect(after.dir).toBe(old.dir);
    expect(after.manifest).toEqual(old.manifest);
    expect(after.chunks).toEqual(old.chunks);
    expect(after.chunks.some((c) => c.text.includes("Captive centres"))).toBe(false);
    expect(await buildingDirs()).toEqual([]);
    // Only the old index directory is there: the aborted build left nothing behind.
    expect((await dataEntries()).filter((e) => e.startsWith("index-"))).toEqual([path.basename(old.dir)]);
  });

  it("the next ingest after a crash publishes the new content and reuses the vectors embedded before the crash", async () => {
    await appendFile(path.join(settings.CORPUS_DIR, "sources", EDITED), `\n${NEW_TEXT}\n`);
    await expect(
      ingest(settings, fake, {
        beforePublish: () => {
          throw new Error("simulated crash");
        },
      }),
    ).rejects.toBeInstanceOf(IndexError);
    const summary = await ingest(settings, fake);
    expect(summary.embedded).toBe(0);
    const index = (await loadIndex(settings.DATA_DIR, fake))!;
    expect(index.chunks.some((c) => c.text.includes("Captive centres"))).toBe(true);
    expect((await current()).trim()).toBe(path.basename(index.dir));
  });

  it("a leftover .building-* directory from a killed run does not disturb loading and is removed by the next successful ingest", async () => {
    const old = (await loadIndex(settings.DATA_DIR, fake))!;
    const leftover = path.join(settings.DATA_DIR, ".building-index-2020-01-01T00-00-00-000Z-abcdef");
    await mkdir(leftover);
    await writeFile(path.join(leftover, "chunks.json"), '[{"id": "half-writ');
    await writeFile(path.join(leftover, "hnswlib.index"), Buffer.alloc(10));

    const loaded = (await loadIndex(settings.DATA_DIR, fake))!;
    expect(loaded.dir).toBe(old.dir);
    expect(loaded.chunks).toEqual(old.chunks);
    expect((await readManifest(settings.DATA_DIR))!).toEqual(old.manifest);
    const ensured = await ensureIndex(settings, fake);
    expect(ensured.rebuilt).toBeUndefined();

    await appendFile(path.join(settings.CORPUS_DIR, "sources", EDITED), `\n${NEW_TEXT}\n`);
    const summary = await ingest(settings, fake);
    expect(await buildingDirs()).toEqual([]);
    const entries = await dataEntries();
    expect(entries.filter((e) => e.startsWith("index-"))).toEqual([path.basename(summary.indexDir)]);
    expect(entries).not.toContain(path.basename(old.dir));
  });

  it("a corrupt index file gives an IndexError telling the user to run kpo ingest", async () => {
    const index = (await loadIndex(settings.DATA_DIR, fake))!;
    const file = path.join(index.dir, "chunks.json");
    const size = (await readFile(file)).length;
    await truncate(file, Math.floor(size / 2));

    const attempt = loadIndex(settings.DATA_DIR, fake);
    await expect(attempt).rejects.toBeInstanceOf(IndexError);
    await expect(attempt).rejects.toThrow(/run `kpo ingest`/);
    await expect(attempt).rejects.toThrow(index.dir);
    // The corpus is unchanged, so ensureIndex loads the index as is and reports the same error.
    await expect(ensureIndex(settings, fake)).rejects.toThrow(/kpo ingest/);
  });

  it("a re-ingest over a corrupt index replaces it with a loadable one", async () => {
    const index = (await loadIndex(settings.DATA_DIR, fake))!;
    await truncate(path.join(index.dir, "chunks.json"), 10);
    await ingest(settings, fake);
    const fresh = (await loadIndex(settings.DATA_DIR, fake))!;
    expect(fresh.dir).not.toBe(index.dir);
    expect(fresh.chunks.map((c) => c.hash)).toEqual(index.chunks.map((c) => c.hash));
  });
});
