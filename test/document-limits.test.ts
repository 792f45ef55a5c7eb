import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.ts";
import { createMetrics } from "../src/api/metrics.ts";
import { problemSchema } from "../src/api/schemas.ts";
import { startServer, type RunningServer } from "../src/api/server.ts";
import { loadSettings } from "../src/config/settings.ts";
import { DEFAULT_EXTRACT_LIMITS, readDocument, type ExtractLimits, type Format } from "../src/corpus/formats/index.ts";
import { CorpusError, DocumentLimitError } from "../src/errors.ts";
import { DocumentService } from "../src/ingest/documents.ts";
import { memoryLogger } from "./support/api-harness.ts";
import { REPO_ROOT, testSettings } from "./support/assistant.ts";
import { makeDocxBomb, makePdf } from "./support/documents.ts";
import { fakeAssistant } from "./support/fake-assistant.ts";

const MB = 1024 * 1024;
const limits = (overrides: Partial<ExtractLimits>): ExtractLimits => ({ ...DEFAULT_EXTRACT_LIMITS, ...overrides });

async function refused(format: Format, bytes: Buffer, overrides: Partial<ExtractLimits>): Promise<DocumentLimitError> {
  const error = await readDocument(format, bytes, `corpus/sources/doc.${format === "text" ? "txt" : format}`, limits(overrides)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DocumentLimitError);
  return error as DocumentLimitError;
}

describe("each extraction limit refuses a document over it, naming the setting", () => {
  it("a DOCX bomb: a 2 MB body in a small file, over EXTRACT_MAX_ZIP_ENTRY_MB; under the limit the same shape reads", async () => {
    const bomb = makeDocxBomb(2 * MB);
    expect(bomb.length).toBeLessThan(64 * 1024);
    const error = await refused("docx", bomb, { maxZipEntryBytes: 1 * MB });
    expect(error).toMatchObject({ setting: "EXTRACT_MAX_ZIP_ENTRY_MB", status: 413 });
    expect(error.message).toMatch(/^corpus\/sources\/doc\.docx: holds word\/document\.xml, which unzips to 2 MB, over the 1 MB limit for one part \(EXTRACT_MAX_ZIP_ENTRY_MB\)/);
    const small = await readDocument("docx", makeDocxBomb(20_000), "small.docx", limits({ maxZipEntryBytes: 1 * MB }));
    expect(small.text).toMatch(/^Outsourcing governance review notes\./);
  });

  it("a DOCX bomb whose headers lie about its size is caught while inflating, which stops at the limit", async () => {
    const error = await refused("docx", makeDocxBomb(2 * MB, 1_000), { maxZipEntryBytes: 1 * MB });
    expect(error.setting).toBe("EXTRACT_MAX_ZIP_ENTRY_MB");
    expect(error.message).toMatch(/holds word\/document\.xml, which unzips to more than 1 MB/);
  });

  it("parts under the entry limit but over EXTRACT_MAX_UNZIPPED_MB together", async () => {
    const error = await refused("docx", makeDocxBomb(2 * MB), { maxZipEntryBytes: 4 * MB, maxZipTotalBytes: 1 * MB });
    expect(error).toMatchObject({ setting: "EXTRACT_MAX_UNZIPPED_MB", status: 413 });
  });

  it("a PDF with more pages than EXTRACT_MAX_PAGES is refused before any page is read", async () => {
    const pdf = await makePdf(Array.from({ length: 6 }, (_, i) => [`Page ${i + 1} of the outsourcing handbook.`]));
    const error = await refused("pdf", pdf, { maxPages: 5 });
    expect(error).toMatchObject({ setting: "EXTRACT_MAX_PAGES", status: 413 });
    expect(error.message).toMatch(/has 6 pages, over the limit of 5/);
    expect((await readDocument("pdf", pdf, "ok.pdf", limits({ maxPages: 6 }))).pages).toHaveLength(6);
  });

  it("more text than EXTRACT_MAX_CHARS, read here (text) or in the extraction process (HTML, PDF)", async () => {
    const words = "Offshoring moves work to another country. ".repeat(60);
    for (const [format, bytes] of [
      ["text", Buffer.from(words)],
      ["html", Buffer.from(`<html><body><article><p>${words}</p></article></body></html>`)],
      ["pdf", await makePdf(Array.from({ length: 40 }, () => ["Offshoring moves work to another country, and nearshoring to a neighbouring one."]))],
    ] as const) {
      const error = await refused(format, bytes, { maxChars: 1_000 });
      expect(error, format).toMatchObject({ setting: "EXTRACT_MAX_CHARS", status: 413 });
    }
  });

  it("a document that takes more memory or time than allowed kills only the extraction process; the next one is read", async () => {
    const heavy = Buffer.from(`<html><body><article>${"<div><p>word</p></div>".repeat(150_000)}</article></body></html>`);
    const memory = await refused("html", heavy, { maxMemoryMb: 160 });
    expect(memory).toMatchObject({ setting: "EXTRACT_MAX_MEMORY_MB", status: 422 });
    expect(memory.message).toMatch(/needs more than 160 MB of memory to read/);

    const slow = await makePdf(Array.from({ length: 400 }, (_, i) => [`Page ${i + 1}: service levels are reviewed every month by the governance board.`]));
    const time = await refused("pdf", slow, { timeoutMs: 100 });
    expect(time).toMatchObject({ setting: "EXTRACT_TIMEOUT_MS", status: 422 });

    const next = await readDocument("html", Buffer.from("<html><body><p>Nearshoring keeps a provider in a neighbouring time zone.</p></body></html>"), "next.html", limits({ maxMemoryMb: 160 }));
    expect(next.text).toContain("Nearshoring keeps a provider");
  });

  it("a document that is not what it claims is still a CorpusError, not a limit", async () => {
    const error = await readDocument("docx", Buffer.from("PK not really a zip"), "bad.docx").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorpusError);
    expect(error).not.toBeInstanceOf(DocumentLimitError);
    expect((error as Error).message).toMatch(/^bad\.docx: is not a readable Word document/);
  });
});

describe("over HTTP: POST /v1/documents answers 413/422 problem+json naming the limit, writes nothing and keeps serving", () => {
  const ADMIN = "admin-key-document-limits-01";
  let root: string;
  let running: RunningServer;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "kpo-limits-"));
    await mkdir(path.join(root, "corpus", "sources"), { recursive: true });
    const env = { CORPUS_DIR: path.join(root, "corpus"), DATA_DIR: path.join(root, "data"), HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "silent" };
    const settings = loadSettings({ ...env, ADMIN_API_KEYS: ADMIN, EXTRACT_MAX_ZIP_ENTRY_MB: "1", EXTRACT_MAX_PAGES: "5" }, REPO_ROOT);
    // Every document here is refused while it is checked, before any build would start.
    const documents = new DocumentService(settings, async () => {
      throw new Error("no build expected");
    });
    const { logger } = memoryLogger();
    const app = createApp({ settings, logger, metrics: createMetrics({ defaultMetrics: false }), assistant: () => fakeAssistant(testSettings()), documents });
    running = await startServer({ app, settings, logger });
  });
  afterAll(async () => {
    await running?.shutdown("test");
    if (root) await rm(root, { recursive: true, force: true });
  });

  const upload = (name: string, bytes: Buffer, type: string) => {
    const form = new FormData();
    form.set("file", new Blob([new Uint8Array(bytes)], { type }), name);
    return fetch(`${running.url}/v1/documents`, { method: "POST", body: form, headers: { authorization: `Bearer ${ADMIN}` } });
  };

  it("a DOCX bomb and a PDF over the page limit", async () => {
    const docx = await upload("bomb.docx", makeDocxBomb(2 * MB, 1_000), "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    expect(docx.status).toBe(413);
    expect(docx.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(problemSchema.parse(await docx.json())).toMatchObject({ limit: "EXTRACT_MAX_ZIP_ENTRY_MB", title: "Document over a limit" });

    const pdf = await upload("handbook.pdf", await makePdf(Array.from({ length: 6 }, (_, i) => [`Page ${i + 1}.`])), "application/pdf");
    expect(pdf.status).toBe(413);
    expect(problemSchema.parse(await pdf.json())).toMatchObject({ limit: "EXTRACT_MAX_PAGES", detail: expect.stringMatching(/handbook\.pdf: has 6 pages, over the limit of 5/) });

    expect(await readdir(path.join(root, "corpus", "sources"))).toEqual([]);
    expect((await fetch(`${running.url}/v1/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "What is KPO?" }) })).status).toBe(200);
  });
});
