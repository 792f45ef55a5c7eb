import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings, type Settings } from "../src/config/settings.ts";
import { DocumentService } from "../src/ingest/documents.ts";
import { indexOptionsFor } from "../src/store/index-options.ts";

let root: string;
let settings: Settings;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "kpo-build-lock-docs-"));
  await mkdir(path.join(root, "corpus", "sources"), { recursive: true });
  settings = loadSettings({ CORPUS_DIR: path.join(root, "corpus"), DATA_DIR: path.join(root, "data"), LOG_LEVEL: "silent" }, root);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("one build lock for index builds and document changes", () => {
  it("a document add waits while another builder holds the lock (as `kpo ingest` or a start-up build does), and a failed build undoes the add", async () => {
    const events: string[] = [];
    // What `kpo ingest`, ensureIndex and the server's child-process build run under.
    const { lock } = indexOptionsFor(undefined, settings.DATA_DIR);
    const release = await lock();
    const documents = new DocumentService(settings, async () => {
      events.push("document build");
      throw new Error("the build failed");
    });
    const adding = documents.add({ name: "note.md", bytes: Buffer.from("# A note\n\nKnowledge process outsourcing moves analysis work to a specialist provider.\n") }).then(
      () => "added",
      (error: Error) => error.message,
    );
    // Let the add run as far as it can: it must stop at the lock, before touching the corpus.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await readdir(path.join(root, "corpus", "sources"))).toEqual([]);
    events.push("other build released");
    await release();

    expect(await adding).toBe("the build failed");
    expect(events).toEqual(["other build released", "document build"]);
    expect(await readdir(path.join(root, "corpus", "sources"))).toEqual([]);
    // The lock was released after the failure: the next builder gets it at once.
    const again = await lock();
    await again();
  });
});
