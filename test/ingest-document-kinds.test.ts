import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings, type Settings } from "../src/config/settings.ts";
import { ingest, type IngestSummary } from "../src/ingest/pipeline.ts";
import { loadIndex, type LoadedIndex } from "../src/index/store.ts";
import { FakeEmbedder } from "./support/fake-embedder.ts";

// Scientific prose that talks about "we", "our" and "partnership" or "compensation": a web page
// saying that would be talking about itself, an abstract is not.
const ABSTRACT = [
  "We studied how our partnership with regional clinics changed compensation for night shifts among 412 nurses.",
  "Our cohort showed that we could reduce attrition by a third when compensation followed workload.",
];
const WEB_ARTICLE = [
  "Home",
  "News",
  "About",
  "Contact",
  "Nearshore delivery keeps a provider within a few hours of the client, so meetings fall inside normal office hours for both teams.",
  "We earn a commission from our partners when you buy through our affiliate links; see our advertising disclosure.",
];
// Every line reads as navigation: the web rules alone would leave nothing of it.
const ALL_NAVIGATION = ["Offshore Centres", "Manila Hub", "Krakow Hub", "Bogota Hub", "Pune Hub"];

let tmp: string;
let settings: Settings;
let summary: IngestSummary;
let index: LoadedIndex;
const warnings: string[] = [];
const textOf = (sourceId: string) => index.chunks.filter((c) => c.sourceId === sourceId).map((c) => c.text).join(" ");

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "kpo-kinds-"));
  const sources = path.join(tmp, "corpus", "sources");
  await mkdir(sources, { recursive: true });
  await writeFile(path.join(sources, "abstract.md"), `# Night-shift pay and nurse attrition\n\n${ABSTRACT.join(" ")}\n`);
  await writeFile(path.join(sources, "page.txt"), `${WEB_ARTICLE.join("\n")}\n`);
  await writeFile(path.join(sources, "hubs.txt"), `${ALL_NAVIGATION.join("\n")}\n`);
  await writeFile(
    path.join(tmp, "corpus", "sources.json"),
    JSON.stringify([
      { file: "page.txt", title: "Nearshore delivery", kind: "web-article" },
      { file: "hubs.txt", title: "Delivery hubs", kind: "web-page" },
    ]),
  );
  settings = loadSettings({ CORPUS_DIR: path.join(tmp, "corpus"), DATA_DIR: path.join(tmp, "data"), LOG_LEVEL: "silent", EMBED_WORKERS: "0" }, tmp);
  const embedder = new FakeEmbedder();
  summary = await ingest(settings, embedder, { warn: (m) => warnings.push(m) });
  index = (await loadIndex(settings.DATA_DIR, embedder))!;
});
afterAll(async () => {
  index?.lexical.close();
  await rm(tmp, { recursive: true, force: true });
});

describe("documents are cleaned as what they are", () => {
  it("keeps every sentence of a document that is not a web capture, however it talks about itself", () => {
    for (const sentence of ABSTRACT) expect(textOf("abstract.md")).toContain(sentence);
    expect(index.sources.find((s) => s.id === "abstract.md")!.droppedShare).toBe(0);
  });

  it("titles a Markdown document by its first # heading", () => {
    expect(index.sources.find((s) => s.id === "abstract.md")!.title).toBe("Night-shift pay and nurse attrition");
  });

  it("cleans a text capture that sources.json marks as a web page", () => {
    expect(textOf("page.txt")).toContain(WEB_ARTICLE[4]);
    expect(textOf("page.txt")).not.toContain("affiliate links");
    expect(textOf("page.txt")).not.toContain("Contact");
  });

  it("keeps a web capture the rules would empty, whole, and names it in a warning", () => {
    for (const line of ALL_NAVIGATION.slice(1)) expect(textOf("hubs.txt")).toContain(line);
    expect(warnings.filter((w) => w.includes("hubs.txt"))).toEqual([expect.stringMatching(/would remove all of its text, so it is indexed whole/)]);
    expect(summary.warnings).toEqual(warnings);
  });

  it("counts the documents really indexed", () => {
    expect(summary.documents).toBe(3);
    expect(new Set(index.chunks.map((c) => c.sourceId))).toEqual(new Set(["abstract.md", "page.txt", "hubs.txt"]));
  });
});
