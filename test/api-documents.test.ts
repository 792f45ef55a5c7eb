import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCitations } from "../src/answer/citations.ts";
import type { Settings } from "../src/config/settings.ts";
import { ingestInChildProcess } from "../src/ingest/child.ts";
import { DocumentService } from "../src/ingest/documents.ts";
import { createLiveAssistant, type LiveAssistant } from "../src/live-assistant.ts";
import type { Answer } from "../src/schema/answer.ts";
import { ARTICLE_SENTENCES, HTML_BOILERPLATE, htmlPage, makePdf } from "./support/documents.ts";
import { serveLive, tempProject } from "./support/project.ts";

const ADMIN = "admin-key-for-documents-0123";
const auth = { authorization: `Bearer ${ADMIN}` };

let project: Awaited<ReturnType<typeof tempProject>>;
let settings: Settings;
let live: LiveAssistant;
let api: Awaited<ReturnType<typeof serveLive>>;
let corpusBefore: string;
let builds = 0;

const upload = (name: string, bytes: Buffer | string, type = "application/octet-stream", headers: Record<string, string> = auth) => {
  const form = new FormData();
  form.set("file", new Blob([typeof bytes === "string" ? bytes : new Uint8Array(bytes)], { type }), name);
  return fetch(`${api.url}/v1/documents`, { method: "POST", body: form, headers });
};
const ask = async (question: string) =>
  (await (await fetch(`${api.url}/v1/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question }) })).json()) as Answer;
const sourcesJson = () => readFile(path.join(settings.CORPUS_DIR, "sources.json"), "utf8");

beforeAll(async () => {
  project = await tempProject("kpo-api-documents-", { ADMIN_API_KEYS: ADMIN, MAX_UPLOAD_MB: "0.05" });
  settings = project.settings;
  live = createLiveAssistant(settings, { pollMs: 0 });
  await live.start();
  // The server's own path: builds run in a child process, then the new index is swapped in.
  const documents = new DocumentService(
    settings,
    (s) => {
      builds++;
      return ingestInChildProcess(s);
    },
    () => live.reload().then(() => undefined),
  );
  api = await serveLive(settings, live, documents);
  corpusBefore = await sourcesJson();
}, 180_000);
afterAll(async () => {
  await api?.running.shutdown("test");
  await live?.close();
  await project?.remove();
});

describe("document upload errors are problem+json and lose nothing", () => {
  it("needs an admin key", async () => {
    const res = await upload("page.html", htmlPage(), "text/html", {});
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  });

  it("refuses a corrupt PDF with 422 naming the reason; the old index still answers", async () => {
    const res = await upload("broken.pdf", Buffer.from("%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntrailer garbage"), "application/pdf");
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as { detail: string; type: string };
    expect(problem.type).toBe("urn:kpo:problem:unprocessable-document");
    expect(problem.detail).toMatch(/^corpus\/sources\/broken\.pdf: is not a readable PDF/);
    expect(await sourcesJson()).toBe(corpusBefore);
    await expect(readFile(path.join(settings.CORPUS_DIR, "sources", "broken.pdf"))).rejects.toThrow();
    const answer = await ask("What is KPO?");
    expect(answer.status).toBe("answered");
    expect(await checkCitations(answer, project.root)).toEqual([]);
  });

  it("refuses an oversized upload with 413 and a file whose content is not what its name says with 415", async () => {
    const big = await upload("big.txt", "word ".repeat(20_000), "text/plain");
    expect(big.status).toBe(413);
    expect(((await big.json()) as { detail: string }).detail).toMatch(/larger than the 0\.05 MB limit \(MAX_UPLOAD_MB\)/);
    const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");
    const renamed = await upload("policy.pdf", png, "application/pdf");
    expect(renamed.status).toBe(415);
    expect(((await renamed.json()) as { detail: string }).detail).toMatch(/does not contain a PDF document \(its content is image\/png\)/);
    const unknown = await upload("slides.pptx", "x", "application/octet-stream");
    expect(unknown.status).toBe(415);
    expect(((await unknown.json()) as { detail: string }).detail).toMatch(/not a supported document type; send one of \.txt, \.md/);
    expect(await sourcesJson()).toBe(corpusBefore);
    expect((await ask("What is BPO?")).status).toBe("answered");
  });

  it("refuses URLs on loopback and private addresses", async () => {
    for (const url of ["http://127.0.0.1:9/page.html", "http://10.0.0.8/x.pdf", "http://169.254.169.254/latest/meta-data", "http://[::1]/a.html"]) {
      const res = await fetch(`${api.url}/v1/documents`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ url }) });
      expect(res.status, url).toBe(400);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/only public addresses can be fetched/);
    }
  });
});

describe("adding, listing and removing a document over HTTP", () => {
  it("adds an HTML page: 201, live at once, cited through its rendition, only the article quoted", async () => {
    const res = await upload("nearshore.html", htmlPage(), "text/html");
    expect(res.status).toBe(201);
    const body = (await res.json()) as { source: { id: string; path: string; chunks: number; droppedShare: number } };
    expect(body.source).toMatchObject({ id: "nearshore.html", path: "corpus/derived/nearshore.html.txt" });
    expect(body.source.chunks).toBeGreaterThan(0);
    expect(res.headers.get("location")).toBe("/v1/sources/nearshore.html");

    const answer = await ask("How often does the governance board meet?");
    const citation = answer.citations.find((c) => c.sourceId === "nearshore.html");
    expect(citation?.quote).toContain(ARTICLE_SENTENCES[1]!.slice(0, 40));
    for (const c of answer.citations) for (const marker of HTML_BOILERPLATE) expect(c.quote).not.toContain(marker);
    expect(await checkCitations(answer, project.root)).toEqual([]);

    const text = await fetch(`${api.url}/v1/sources/nearshore.html/text`);
    // JSON (the web page reads it): the rendition's text, which citations index into.
    expect(text.status).toBe(200);
    const served = (await text.json()) as { path: string; text: string };
    expect(served.path).toBe("corpus/derived/nearshore.html.txt");
    expect(served.text).toBe(await readFile(path.join(project.root, "corpus/derived/nearshore.html.txt"), "utf8"));
    const original = await fetch(`${api.url}/v1/sources/nearshore.html/original`);
    expect(original.headers.get("content-disposition")).toBe('attachment; filename="nearshore.html"');
    expect(await original.text()).toBe(htmlPage());
  });

  it("lists every document with its ingest state", async () => {
    const res = await fetch(`${api.url}/v1/documents`, { headers: auth });
    const body = (await res.json()) as { documents: { id: string; state: string; error?: string }[] };
    expect(body.documents.find((d) => d.id === "nearshore.html")).toMatchObject({ state: "indexed", format: "html", chunks: expect.any(Number) });
    expect(body.documents.filter((d) => d.state === "indexed").length).toBe(6);
    expect(body.documents.find((d) => d.id === "broken.pdf")).toMatchObject({ state: "failed", error: expect.stringMatching(/not a readable PDF/) });
  });

  it("removes it again: the index without it is live and its rendition is gone", async () => {
    const res = await fetch(`${api.url}/v1/documents/nearshore.html`, { method: "DELETE", headers: auth });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ingest: { documents: number } }).ingest.documents).toBe(5);
    expect((await fetch(`${api.url}/v1/sources/nearshore.html`)).status).toBe(404);
    await expect(readFile(path.join(project.root, "corpus/derived/nearshore.html.txt"))).rejects.toThrow();
    expect(JSON.parse(await sourcesJson())).toEqual(JSON.parse(corpusBefore));
    expect((await fetch(`${api.url}/v1/documents/nearshore.html`, { method: "DELETE", headers: auth })).status).toBe(404);
  });

  it("accepts a PDF whose page numbers then reach the citations", async () => {
    const pdf = await makePdf([["Outsourcing policy", "Every outsourced process needs a named owner."], ["Service credits are paid to the client when the provider misses an agreed", "service level in a quarter."]]);
    expect((await upload("policy.pdf", pdf, "application/pdf")).status).toBe(201);
    const answer = await ask("When are service credits paid?");
    expect(answer.citations.find((c) => c.sourceId === "policy.pdf")).toMatchObject({ page: 2, path: "corpus/derived/policy.pdf.txt" });
    expect(await checkCitations(answer, project.root)).toEqual([]);
  });

  it("adds several documents sent in one request with one index build, and refuses a batch with a bad one whole", async () => {
    const form = (files: [string, string | Uint8Array<ArrayBuffer>][]) => {
      const body = new FormData();
      for (const [name, bytes] of files) body.append("file", new Blob([bytes], { type: "text/plain" }), name);
      return fetch(`${api.url}/v1/documents`, { method: "POST", body, headers: auth });
    };
    const before = builds;
    const refused = await form([
      ["good.md", "# Good\n\nA good note about escrow agents for outsourced source code.\n"],
      ["latin1.txt", new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a])],
    ]);
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/^corpus\/sources\/latin1\.txt: is not valid UTF-8.*nothing of this batch was added/);
    await expect(readFile(path.join(settings.CORPUS_DIR, "sources", "good.md"))).rejects.toThrow();
    expect(builds).toBe(before);

    const res = await form([
      ["escrow.md", "# Escrow for source code\n\nAn escrow agent holds the provider's source code, released to the client if the provider fails.\n"],
      ["credits.md", "# Service credits\n\nService credits are a share of the monthly fee refunded when a service level is missed.\n"],
    ]);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { source: { id: string }; sources: { id: string; title: string; chunks: number }[] };
    expect(body.sources.map((s) => [s.id, s.title])).toEqual([
      ["escrow.md", "Escrow for source code"],
      ["credits.md", "Service credits"],
    ]);
    expect(body.source.id).toBe("escrow.md");
    expect(builds).toBe(before + 1);
    const answer = await ask("What does an escrow agent hold?");
    expect(answer.citations.some((c) => c.sourceId === "escrow.md")).toBe(true);
  });
});
