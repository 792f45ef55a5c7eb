import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSettings, type Settings } from "../src/config/settings.ts";
import { ConfigError } from "../src/errors.ts";
import { ensureIndex } from "../src/ingest/ensure.ts";
import { FakeEmbedder } from "./support/fake-embedder.ts";

const REPO = path.resolve(import.meta.dirname, "..");
let tmp: string;
let settings: Settings;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "kpo-build-once-"));
  await cp(path.join(REPO, "corpus"), path.join(tmp, "corpus"), { recursive: true });
  settings = loadSettings({ CORPUS_DIR: path.join(tmp, "corpus"), DATA_DIR: path.join(tmp, "data"), LOG_LEVEL: "silent" }, tmp);
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("build once, serve many", () => {
  it("two processes starting together on an empty DATA_DIR: one builds, the other waits and loads the published index", async () => {
    const solo = new FakeEmbedder();
    const soloDir = path.join(tmp, "solo");
    await ensureIndex({ ...settings, DATA_DIR: soloDir }, solo);

    const first = new FakeEmbedder();
    const second = new FakeEmbedder();
    const messages: string[] = [];
    const [x, y] = await Promise.all([
      ensureIndex(settings, first, { info: (m) => messages.push(m) }),
      ensureIndex(settings, second, { info: (m) => messages.push(m) }),
    ]);
    expect(first.texts.length + second.texts.length).toBe(solo.texts.length);
    expect(x.index.dir).toBe(y.index.dir);
    expect(messages).toContain("another process built the index while this one waited; loading it");
  });

  it("an unwritable DATA_DIR stops at once with one line naming it, before embedding anything", async () => {
    await writeFile(path.join(tmp, "a-file"), "");
    const fake = new FakeEmbedder();
    const error = await ensureIndex({ ...settings, DATA_DIR: path.join(tmp, "a-file", "data") }, fake).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^DATA_DIR: .*a-file\/data is not writable \(ENOTDIR\)/);
    expect((error as Error).message).not.toContain("\n");
    expect(fake.calls).toEqual([]);
  });

  it("removes what a crashed ingest left: unpublished builds, superseded index folders, temp files", async () => {
    const fake = new FakeEmbedder();
    await ensureIndex(settings, fake);
    const current = (await readFile(path.join(settings.DATA_DIR, "CURRENT"), "utf8")).trim();
    const leftovers = [".building-index-2020-01-01T00-00-00-000Z-abcdef", "index-2020-01-01T00-00-00-000Z-123456"];
    for (const dir of leftovers) await mkdir(path.join(settings.DATA_DIR, dir, "x"), { recursive: true });
    await writeFile(path.join(settings.DATA_DIR, "CURRENT.4242.deadbeef.tmp"), "index-x\n");
    await writeFile(path.join(settings.DATA_DIR, "vectors", "fake_1.json.4242.cafe.tmp"), "{");

    const { index, rebuilt } = await ensureIndex(settings, fake);
    expect(rebuilt).toBeUndefined();
    expect(path.basename(index.dir)).toBe(current);
    expect((await readdir(settings.DATA_DIR)).filter((e) => e.startsWith("index-") || e.startsWith(".building-") || e.endsWith(".tmp"))).toEqual([current]);
    expect((await readdir(path.join(settings.DATA_DIR, "vectors"))).filter((e) => e.endsWith(".tmp"))).toEqual([]);
  });
});
