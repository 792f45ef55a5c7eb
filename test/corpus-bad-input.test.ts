import { copyFile, cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSettings, type Settings } from "../src/config/settings.ts";
import { MAX_SOURCE_BYTES } from "../src/corpus/load.ts";
import { ConfigError, CorpusError } from "../src/errors.ts";
import { ingest } from "../src/ingest/pipeline.ts";
import { loadIndex } from "../src/index/store.ts";
import { FakeEmbedder } from "./support/fake-embedder.ts";

const REPO = path.resolve(import.meta.dirname, "..");


let tmp: string;
let settings: Settings;
let fake: FakeEmbedder;
let sources: string;

interface Snapshot {
  current: string;
  manifest: string;
  entries: string[];
}
async function snapshot(): Promise<Snapshot> {
  const current = await readFile(path.join(settings.DATA_DIR, "CURRENT"), "utf8");
  return {
    current,
    manifest: await readFile(path.join(settings.DATA_DIR, current.trim(), "manifest.json"), "utf8"),
    entries: (await readdir(settings.DATA_DIR)).sort(),
  };
}

/** Runs a failing ingest and checks the existing index is exactly as it was. */
async function expectIngestFailsLeavingIndex(pattern: RegExp[]): Promise<CorpusError> {
  const before = await snapshot();
  const embeddedBefore = fake.texts.length;
  const error = await ingest(settings, fake).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CorpusError);
  for (const p of pattern) expect((error as Error).message).toMatch(p);
  expect(await snapshot()).toEqual(before);
  expect(fake.texts.length).toBe(embeddedBefore);
  expect((await loadIndex(settings.DATA_DIR, fake))!.manifest.counts.documents).toBe(5);
  return error as CorpusError;
}

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "kpo-bad-input-"));
  await cp(path.join(REPO, "corpus"), path.join(tmp, "corpus"), { recursive: true });
  settings = loadSettings({ CORPUS_DIR: path.join(tmp, "corpus"), DATA_DIR: path.join(tmp, "data"), LOG_LEVEL: "silent" }, tmp);
  sources = path.join(settings.CORPUS_DIR, "sources");
  fake = new FakeEmbedder();
  await ingest(settings, fake);
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("bad corpus input is refused with a message naming the file, and the index is kept", () => {
  it("an empty corpus/sources folder", async () => {
    for (const name of await readdir(sources)) await rm(path.join(sources, name));
    const error = await expectIngestFailsLeavingIndex([/^corpus\/sources: /, /contains no documents \(\.txt, \.md/]);
    expect(error.file).toBe("corpus/sources");
  });

  it("an unreadable source (a dangling symlink)", async () => {
    await symlink(path.join(tmp, "does-not-exist.txt"), path.join(sources, "broken.txt"));
    const error = await expectIngestFailsLeavingIndex([/corpus\/sources\/broken\.txt/, /cannot be read/]);
    expect(error.file).toBe("corpus/sources/broken.txt");
  });

  it("a source that is not valid UTF-8", async () => {
    await writeFile(path.join(sources, "latin1.txt"), Buffer.concat([Buffer.from("Knowledge work\nCaf"), Buffer.from([0xe9]), Buffer.from(" owners outsource research.\n")]));
    const error = await expectIngestFailsLeavingIndex([/corpus\/sources\/latin1\.txt/, /UTF-8/, /line 2/]);
    expect(error.file).toBe("corpus/sources/latin1.txt");
  });

  it("a 5 MB source document", async () => {
    const line = "Knowledge process outsourcing moves analytical work to specialist firms.\n";
    await writeFile(path.join(sources, "huge.txt"), line.repeat(Math.ceil((5 * 1024 * 1024) / line.length)));
    const error = await expectIngestFailsLeavingIndex([/corpus\/sources\/huge\.txt/, /5\.0 MB/, new RegExp(`${MAX_SOURCE_BYTES / 1024 / 1024} MB limit`)]);
    expect(error.file).toBe("corpus/sources/huge.txt");
  });

  it("malformed corpus/sources.json names the file and the field", async () => {
    const file = path.join(settings.CORPUS_DIR, "sources.json");
    const metas = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>[];
    metas[1]!.title = "";
    await writeFile(file, JSON.stringify(metas));
    const error = await expectIngestFailsLeavingIndex([/^corpus\/sources\.json: /, /field 1\.title/]);
    expect(error.file).toBe("corpus/sources.json");
  });

  it("corpus/sources.json that is not JSON names the file", async () => {
    await writeFile(path.join(settings.CORPUS_DIR, "sources.json"), '[{"file": "000_07027fcb20a76bf4.txt", ');
    await expectIngestFailsLeavingIndex([/^corpus\/sources\.json: /, /not valid JSON/]);
  });
});

describe("duplicate documents", () => {
  it("an exact duplicate is skipped with a warning naming both files and is not indexed twice", async () => {
    const before = (await loadIndex(settings.DATA_DIR, fake))!;
    await copyFile(path.join(sources, "003_9a5fc89310b847aa.txt"), path.join(sources, "005_copy.txt"));
    const warnings: string[] = [];
    const summary = await ingest(settings, fake, { warn: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("corpus/sources/005_copy.txt");
    expect(warnings[0]).toContain("corpus/sources/003_9a5fc89310b847aa.txt");
    expect(summary.warnings).toEqual(warnings);
    expect(summary.documents).toBe(5);
    expect(summary.embedded).toBe(0);
    const after = (await loadIndex(settings.DATA_DIR, fake))!;
    expect(after.chunks.some((c) => c.sourceId === "005_copy.txt")).toBe(false);
    expect(after.chunks.map((c) => c.hash)).toEqual(before.chunks.map((c) => c.hash));
    expect(after.sources.map((s) => s.id)).not.toContain("005_copy.txt");
    expect(after.manifest.counts).toEqual(before.manifest.counts);
  });
});

describe("bad settings are refused with a ConfigError naming the setting", () => {
  const attempt = (env: Record<string, string>) => {
    try {
      loadSettings({ LOG_LEVEL: "silent", ...env }, tmp);
    } catch (error) {
      return error;
    }
    throw new Error(`loadSettings accepted ${JSON.stringify(env)}`);
  };

  it("an unknown EMBEDDINGS value lists the allowed values", () => {
    const error = attempt({ EMBEDDINGS: "bert-large" });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe("EMBEDDINGS");
    expect((error as Error).message).toMatch(/^EMBEDDINGS: /);
    expect((error as Error).message).toContain("bert-large");
    expect((error as Error).message).toContain("use-lite");
    expect((error as Error).message).toContain("openai");
  });

  it("an invalid PORT", () => {
    for (const port of ["http", "70000", "-1", "80.5"]) {
      const error = attempt({ PORT: port });
      expect(error, port).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).setting).toBe("PORT");
      expect((error as Error).message).toMatch(/^PORT: /);
      expect((error as Error).message).toContain(JSON.stringify(port));
    }
  });

  it("valid values are accepted", () => {
    const s = loadSettings({ EMBEDDINGS: "openai", OPENAI_API_KEY: "sk-test", PORT: "8080" }, tmp);
    expect(s.EMBEDDINGS).toBe("openai");
    expect(s.PORT).toBe(8080);
  });
});
