import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings } from "../src/config/settings.ts";
import { ensureIndex } from "../src/ingest/ensure.ts";
import { indexOptionsFor } from "../src/store/index-options.ts";
import { PostgresStore } from "../src/store/postgres.ts";
import { startPostgres, type Engine } from "./support/engines.ts";
import { FakeEmbedder } from "./support/fake-embedder.ts";

const REPO = path.resolve(import.meta.dirname, "..");
let postgres: Engine;
let tmp: string;

beforeAll(async () => {
  postgres = await startPostgres();
  tmp = await mkdtemp(path.join(os.tmpdir(), "kpo-pg-build-"));
  await cp(path.join(REPO, "corpus"), path.join(tmp, "corpus"), { recursive: true });
}, 120_000);
afterAll(async () => {
  await postgres?.destroy();
  await rm(tmp, { recursive: true, force: true });
});

describe("index builds with DATABASE_URL", () => {
  it("two hosts (separate DATA_DIRs) starting together: one builder at a time, and the second embeds nothing already embedded", async () => {
    const hosts = ["host-a", "host-b"].map((name) => {
      const settings = loadSettings({ CORPUS_DIR: path.join(tmp, "corpus"), DATA_DIR: path.join(tmp, name), LOG_LEVEL: "silent" }, tmp);
      const store = new PostgresStore(postgres.url);
      return { settings, store, embedder: new FakeEmbedder() };
    });
    try {
      const built = await Promise.all(hosts.map((h) => ensureIndex(h.settings, h.embedder, indexOptionsFor(h.store, h.settings.DATA_DIR))));
      const embedded = hosts.map((h) => h.embedder.texts.length).sort((x, y) => x - y);
      expect(embedded[0]).toBe(0);
      expect(embedded[1]).toBeGreaterThan(100);
      expect(built[0]!.index.manifest.chunkHashes).toEqual(built[1]!.index.manifest.chunkHashes);
      const { rows } = await hosts[0]!.store.query<{ n: string }>("SELECT count(*) AS n FROM vector_cache WHERE embedder = $1", ["fake@1"]);
      expect(Number(rows[0]!.n)).toBe(embedded[1]);
    } finally {
      await Promise.all(hosts.map((h) => h.store.close()));
    }
  });
});
