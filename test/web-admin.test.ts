/// <reference lib="dom" />
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCitations } from "../src/answer/citations.ts";
import { ingestInChildProcess } from "../src/ingest/child.ts";
import { DocumentService } from "../src/ingest/documents.ts";
import { createLiveAssistant, type LiveAssistant } from "../src/live-assistant.ts";
import type { Answer } from "../src/schema/answer.ts";
import { REPO_ROOT } from "./support/assistant.ts";
import { launchChromium, type TestBrowser } from "./support/browser.ts";
import { serveLive, tempProject } from "./support/project.ts";

/**
 * The curator's loop in a real Chromium, against the server's own document path (builds in a
 * child process, the new index swapped in) over a private copy of the project: a Markdown file
 * uploaded through the admin view is answered from, and removing it (after the confirmation)
 * takes it out of the answers again.
 */
const ADMIN = "web-admin-key-0123456789";
const ARTEFACTS = path.join(REPO_ROOT, "test-artifacts", "web");

let project: Awaited<ReturnType<typeof tempProject>>;
let live: LiveAssistant;
let api: Awaited<ReturnType<typeof serveLive>>;
let chromium: TestBrowser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  project = await tempProject("kpo-web-admin-", { ADMIN_API_KEYS: ADMIN });
  live = createLiveAssistant(project.settings, { pollMs: 0 });
  const documents = new DocumentService(project.settings, (s) => ingestInChildProcess(s), () => live.reload().then(() => undefined));
  [chromium] = await Promise.all([launchChromium(), live.start()]);
  api = await serveLive(project.settings, live, documents);
  await mkdir(ARTEFACTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await chromium?.close();
  await api?.running.shutdown("test");
  await live?.close();
  await project?.remove();
});

async function openPage(hash = ""): Promise<Page> {
  const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  (page as Page & { errors: string[] }).errors = errors;
  await page.goto(`${api.url}/${hash}`);
  return page;
}

async function askOnPage(page: Page, question: string): Promise<Answer> {
  await page.goto(`${api.url}/`);
  await page.getByTestId("question").fill(question);
  const done = page.waitForResponse((r) => r.url().endsWith("/v1/ask"));
  await page.getByTestId("ask").click();
  await done;
  await page.locator('.answer-card[data-state="done"]').waitFor();
  const id = (await page.locator(".answer-card").getAttribute("data-answer-id"))!;
  return (await (await fetch(`${api.url}/v1/answers/${id}`)).json()) as Answer;
}

describe("admin view: the curator's documents", () => {
  it("asks for the admin key and says when it is wrong", async () => {
    const page = await openPage("#/admin");
    await page.getByTestId("admin-key").fill("not-the-key");
    await page.getByTestId("admin-key").press("Enter");
    await expect.poll(() => page.locator(".admin-status").textContent()).toMatch(/not valid/);
    expect(await page.getByTestId("admin-document").count()).toBe(0);
  });

  it("uploads a Markdown file through admin-upload (with progress), answers from it, then removes it after a confirmation", async () => {
    const page = await openPage("#/admin");
    await page.getByTestId("admin-key").fill(ADMIN);
    await page.getByTestId("admin-key").press("Enter");
    const documents = page.getByTestId("admin-documents");
    await documents.getByTestId("admin-document").first().waitFor();
    const before = await documents.getByTestId("admin-document").count();
    const sourcesJson = await readFile(path.join(project.settings.CORPUS_DIR, "sources.json"), "utf8");

    const file = path.join(project.root, "vendor-sla-guide.md");
    await writeFile(
      file,
      "---\ntitle: Vendor SLA guide | Acme Sourcing Office\n---\n# Vendor SLA guide\n\n" +
        "A service level agreement (SLA) is the part of an outsourcing contract that sets the response times the vendor promises to meet.\n\n" +
        "## Service credits\n\nWhen the vendor misses an SLA target, Acme deducts service credits of five percent from the monthly fee.\n",
    );
    await page.getByTestId("admin-upload").setInputFiles(file);
    await page.locator(".upload-progress progress").waitFor();
    const row = documents.locator('[data-testid="admin-document"][data-id="vendor-sla-guide.md"]');
    await row.waitFor({ timeout: 120_000 });
    expect(await documents.getByTestId("admin-document").count()).toBe(before + 1);
    expect(await row.textContent()).toMatch(/^Vendor SLA guide.*vendor-sla-guide\.md · document · 2 chunks · added /);
    expect(await page.locator(".upload-status").textContent()).toMatch(/Added “Vendor SLA guide”/);
    await page.screenshot({ path: path.join(ARTEFACTS, "admin-1280x900.png"), fullPage: true });

    const answer = await askOnPage(page, "How much does Acme deduct when the vendor misses an SLA target?");
    expect(answer.status).toBe("answered");
    const citation = answer.citations.find((c) => c.sourceId === "vendor-sla-guide.md");
    expect(citation?.quote).toMatch(/service credits of five percent/);
    expect(await checkCitations(answer, project.root)).toEqual([]);
    expect(await page.getByTestId("answer").textContent()).toMatch(/five percent/);
    // its source view names it by title and publisher and shows its headings as headings
    await page.locator(`[data-testid="citation"][data-n="${citation!.n}"]`).first().click();
    await page.getByTestId("source-highlight").waitFor();
    expect(await page.locator("#view-source h1").textContent()).toBe("Vendor SLA guide");
    expect(await page.locator("#view-source .source-byline").textContent()).toContain("Acme Sourcing Office");
    expect(await page.locator('#view-source [role="heading"]').allTextContents()).toEqual(["# Vendor SLA guide", "## Service credits"]);
    expect(await page.locator('#view-source [role="heading"]').first().innerText()).toBe("Vendor SLA guide");

    // removal asks first; declining keeps it
    await page.goto(`${api.url}/#/admin`);
    await row.waitFor();
    const dismissed = new Promise<string>((resolve) => page.once("dialog", (d) => void d.dismiss().then(() => resolve(d.message()))));
    await row.getByTestId("admin-remove").click();
    expect(await dismissed).toMatch(/^Remove “Vendor SLA guide” \(vendor-sla-guide\.md\) from the corpus\?/);
    expect(await row.count()).toBe(1);
    page.once("dialog", (d) => void d.accept());
    await row.getByTestId("admin-remove").click();
    await row.waitFor({ state: "detached", timeout: 120_000 });
    expect(await documents.getByTestId("admin-document").count()).toBe(before);
    expect(await readFile(path.join(project.settings.CORPUS_DIR, "sources.json"), "utf8")).toBe(sourcesJson);

    const after = await askOnPage(page, "How much does Acme deduct when the vendor misses an SLA target?");
    expect(after.citations.some((c) => c.sourceId === "vendor-sla-guide.md")).toBe(false);
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
  }, 300_000);

  it("shows the server's refusal of a document as the server words it, and adds nothing", async () => {
    const page = await openPage("#/admin");
    await page.getByTestId("admin-key").fill(ADMIN);
    await page.getByTestId("admin-key").press("Enter");
    await page.getByTestId("admin-document").first().waitFor();
    const file = path.join(project.root, "slides.pptx");
    await writeFile(file, "not a deck");
    await page.getByTestId("admin-upload").setInputFiles(file);
    const alert = page.locator('.upload-status [role="alert"]');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^slides\.pptx was not added\. Unsupported Media Type: "slides\.pptx" is not a supported document type; send one of \.txt, \.md/);
  });
});
