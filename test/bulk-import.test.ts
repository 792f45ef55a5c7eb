import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BEIR_FIELDS, documentFiles, jsonlDocuments } from "../src/corpus/collection.ts";
import { loadSettings, type Settings } from "../src/config/settings.ts";
import { DocumentService } from "../src/ingest/documents.ts";
import { ingest } from "../src/ingest/pipeline.ts";
import { FakeEmbedder } from "./support/fake-embedder.ts";

const RECORDS = [
  { _id: "101", title: "Nearshore delivery\nand time zones", text: "Nearshore providers work within a few hours of the client.", metadata: {} },
  { _id: "102", title: "", text: "Offshore delivery centres cut labour costs for routine work." },
  { _id: 103, title: "Escrow", text: "An escrow agent holds the source code." },
];

let tmp: string;
let settings: Settings;
let builds = 0;
let service: DocumentService;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "kpo-bulk-"));
  await mkdir(path.join(tmp, "corpus", "sources"), { recursive: true });
  await writeFile(path.join(tmp, "corpus.jsonl"), `${RECORDS.map((r) => JSON.stringify(r)).join("\n")}\n`);
  await mkdir(path.join(tmp, "in", "deeper"), { recursive: true });
  await writeFile(path.join(tmp, "in", "a.md"), "# Alpha\n\nAlpha is about shared services.\n");
  await writeFile(path.join(tmp, "in", "deeper", "b.txt"), "Beta is about captive centres.\n");
  await writeFile(path.join(tmp, "in", "notes.xyz"), "not a document");
  settings = loadSettings({ CORPUS_DIR: path.join(tmp, "corpus"), DATA_DIR: path.join(tmp, "data"), EMBED_WORKERS: "0", LOG_LEVEL: "silent" }, tmp);
  const embedder = new FakeEmbedder();
  service = new DocumentService(settings, (s) => {
    builds++;
    return ingest(s, embedder);
  });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("a JSONL collection as documents", () => {
  it("makes each record a Markdown document named by its id and titled by its title", async () => {
    const docs = await jsonlDocuments(path.join(tmp, "corpus.jsonl"), BEIR_FIELDS);
    expect(docs.map((d) => [d.name, d.title, d.bytes.toString()])).toEqual([
      ["101.md", "Nearshore delivery and time zones", "# Nearshore delivery and time zones\n\nNearshore providers work within a few hours of the client.\n"],
      ["102.md", undefined, "Offshore delivery centres cut labour costs for routine work.\n"],
      ["103.md", "Escrow", "# Escrow\n\nAn escrow agent holds the source code.\n"],
    ]);
  });

  it("names the line and the field of a bad record", async () => {
    const bad = path.join(tmp, "bad.jsonl");
    await writeFile(bad, '{"_id": "1", "text": "fine"}\n{"_id": "2", "body": "no text field"}\n');
    await expect(jsonlDocuments(bad, BEIR_FIELDS, "bad.jsonl")).rejects.toThrow('bad.jsonl: line 2 has no "text" field (choose the field with --text)');
    await writeFile(bad, '{"_id": "1", "text": "fine"}\nnot json\n');
    await expect(jsonlDocuments(bad, BEIR_FIELDS, "bad.jsonl")).rejects.toThrow(/^bad\.jsonl: line 2 is not valid JSON/);
  });
});

describe("files, folders and globs", () => {
  it("takes every supported file under a folder, reports the others, and expands a glob", async () => {
    const warnings: string[] = [];
    const files = await documentFiles(["in"], tmp, (m) => warnings.push(m));
    expect(files.map((f) => path.relative(tmp, f))).toEqual(["in/a.md", path.join("in", "deeper", "b.txt")]);
    expect(warnings).toEqual([expect.stringMatching(/^in: 1 file\(s\) of an unsupported format left out: in\/notes\.xyz/)]);
    expect((await documentFiles(["in/**/*.txt"], tmp)).map((f) => path.basename(f))).toEqual(["b.txt"]);
    await expect(documentFiles(["in/*.pdf"], tmp)).rejects.toThrow("in/*.pdf: matches no files");
  });
});

describe("adding many documents", () => {
  it("publishes them with one index build", async () => {
    const report = await service.addMany(await jsonlDocuments(path.join(tmp, "corpus.jsonl"), BEIR_FIELDS));
    expect(builds).toBe(1);
    expect(report.sources.map((s) => [s.id, s.title, s.chunks > 0])).toEqual([
      ["101.md", "Nearshore delivery and time zones", true],
      ["102.md", "102", true],
      ["103.md", "Escrow", true],
    ]);
    expect(report.ingest.documents).toBe(3);
    expect(JSON.parse(await readFile(path.join(tmp, "corpus", "sources.json"), "utf8"))).toHaveLength(3);
  });

  it("refuses a batch with a bad document whole, naming every problem, and writes nothing", async () => {
    const before = await readdir(path.join(tmp, "corpus", "sources"));
    const sourcesJson = await readFile(path.join(tmp, "corpus", "sources.json"), "utf8");
    const batch = [
      { name: "fine.md", bytes: Buffer.from("# Fine\n\nA fine document.\n") },
      { name: "copy.md", bytes: Buffer.from("# Escrow\n\nAn escrow agent holds the source code.\n") },
      { name: "empty.txt", bytes: Buffer.from("  \n") },
    ];
    await expect(service.addMany(batch)).rejects.toThrow(
      "corpus/sources/copy.md: is identical to corpus/sources/103.md, which is already in the corpus; nothing was added, since 1 other document of this batch cannot be added either: corpus/sources/empty.txt is empty",
    );
    expect(await readdir(path.join(tmp, "corpus", "sources"))).toEqual(before);
    expect(await readFile(path.join(tmp, "corpus", "sources.json"), "utf8")).toBe(sourcesJson);
    expect(builds).toBe(1);
  });
});
