import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSourceDocument } from "../src/corpus/load.ts";
import { splitSiteSuffix } from "../src/corpus/title.ts";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "kpo-titles-"));
  await mkdir(path.join(root, "corpus", "sources"), { recursive: true });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("titles drop a trailing site name", () => {
  it.each([
    ["Vendor SLA guide | Acme Sourcing Office", undefined, { title: "Vendor SLA guide", site: "Acme Sourcing Office" }],
    ["Outsourcing guide | Blog | Acme Corp", undefined, { title: "Outsourcing guide", site: "Acme Corp" }],
    ["KPO vs BPO - Investopedia", "Investopedia", { title: "KPO vs BPO", site: "Investopedia" }],
    ["Guide to KPO – example.com", undefined, { title: "Guide to KPO", site: "example.com" }],
    // a dash also starts subtitles: kept unless it is the publisher or a domain
    ["KPO - What It Is and How It Works", undefined, { title: "KPO - What It Is and How It Works" }],
    ["Knowledge process outsourcing - Wikipedia", undefined, { title: "Knowledge process outsourcing - Wikipedia" }],
    ["KPO | BPO", undefined, { title: "KPO | BPO" }],
    ["What Is Knowledge Process Outsourcing (KPO)?", undefined, { title: "What Is Knowledge Process Outsourcing (KPO)?" }],
  ] as const)("%s (publisher %s)", (title, publisher, expected) => {
    expect(splitSiteSuffix(title, publisher)).toEqual(expected);
  });

  it("at ingest of an HTML page whose <title> carries the site, which becomes its publisher", async () => {
    const file = path.join(root, "corpus", "sources", "sla.html");
    await writeFile(
      file,
      "<!doctype html><html><head><title>Vendor SLA guide | Acme Sourcing Office</title></head><body><main><article><h1>Vendor SLA guide</h1>" +
        `<p>${"A service level agreement sets the response times an outsourcing vendor promises to meet. ".repeat(6)}</p></article></main></body></html>`,
    );
    const doc = await readSourceDocument(file, { corpusDir: path.join(root, "corpus"), rootDir: root });
    expect(doc.meta).toMatchObject({ title: "Vendor SLA guide", publisher: "Acme Sourcing Office" });
  });
});
