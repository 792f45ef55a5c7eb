import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCitations } from "../src/answer/citations.ts";
import { createLiveAssistant, type LiveAssistant } from "../src/live-assistant.ts";
import type { Answer } from "../src/schema/answer.ts";
import { REPO_ROOT } from "./support/assistant.ts";
import { makePdf } from "./support/documents.ts";
import { serveLive, tempProject } from "./support/project.ts";

const run = promisify(execFile);
const QUESTIONS = ["What is KPO?", "kpo vs bpo?", "What are the risks of KPO?", "What does BPO stand for?", "Why do companies outsource?"];

let project: Awaited<ReturnType<typeof tempProject>>;
let live: LiveAssistant;
let api: Awaited<ReturnType<typeof serveLive>>;

beforeAll(async () => {
  project = await tempProject("kpo-live-reload-");
  live = createLiveAssistant(project.settings, { pollMs: 200 });
  await live.start();
  api = await serveLive(project.settings, live);
}, 180_000);
afterAll(async () => {
  await api?.running.shutdown("test");
  await live?.close();
  await project?.remove();
});

const ask = (question: string) =>
  fetch(`${api.url}/v1/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question }) });

describe("a running server picks up an index published by `kpo add` in another process", () => {
  it("answers every request during the swap, stays ready, then cites the new document verifiably", async () => {
    const pdf = path.join(project.root, "acme-policy.pdf");
    await writeFile(
      pdf,
      await makePdf(
        [["Acme outsourcing policy", "Every outsourced process needs a named owner inside Acme."], ["Acme pays a retention bonus to vendor analysts who stay for the", "whole knowledge transfer period."]],
        { title: "Acme outsourcing policy" },
      ),
    );
    const firstIndex = live.current()!.status.manifest.createdAt;
    // Asked before the add: the answer (not from the new document) goes into the answer cache.
    const before = (await (await ask("Who gets a retention bonus from Acme?")).json()) as Answer;
    expect(before.citations.some((c) => c.sourceId === "acme-policy.pdf")).toBe(false);

    // A steady load of /v1/ask (and /readyz) from 3 clients for as long as the add and swap take.
    let stop = false;
    const failures: string[] = [];
    let requests = 0;
    let swapped = false;
    const client = async (i: number) => {
      for (let n = i; !stop; n++) {
        const res = await ask(QUESTIONS[n % QUESTIONS.length]!).catch((e: Error) => e);
        requests++;
        if (res instanceof Error) failures.push(res.message);
        else if (res.status !== 200) failures.push(`ask ${res.status}`);
        else await res.arrayBuffer();
        const ready = await fetch(`${api.url}/readyz`).catch((e: Error) => e);
        if (ready instanceof Error || ready.status !== 200) failures.push(`readyz ${ready instanceof Error ? ready.message : ready.status}`);
        if (live.current()!.status.manifest.createdAt !== firstIndex) swapped = true;
      }
    };
    const load = [client(0), client(1), client(2)];

    const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, "bin/kpo.js"), "add", pdf, "--title", "Acme outsourcing policy"], {
      cwd: project.root,
      env: { ...process.env, LOG_LEVEL: "warn" },
    });
    expect(stdout).toMatch(/^Added acme-policy\.pdf \(pdf\): "Acme outsourcing policy"/);
    expect(stdout).toMatch(/Citations point at corpus\/derived\/acme-policy\.pdf\.txt/);
    const deadline = Date.now() + 20_000;
    while (!swapped && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500)); // keep the load on just past the swap
    stop = true;
    await Promise.all(load);

    expect(swapped).toBe(true);
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(10);
    // The cached answer was keyed by the previous index: the same question is answered again, from the new one.
    const after = await ask("Who gets a retention bonus from Acme?");
    expect(after.headers.get("x-answer-cache")).toBeNull();
    const answer = (await after.json()) as Answer;
    const citation = answer.citations.find((c) => c.sourceId === "acme-policy.pdf");
    expect(citation).toMatchObject({ path: "corpus/derived/acme-policy.pdf.txt", page: 2, title: "Acme outsourcing policy" });
    expect(await checkCitations(answer, project.root)).toEqual([]);
    // The stable facade the Discord bot holds forwards to the swapped-in assistant.
    expect(live.assistant.sources.get("acme-policy.pdf")).toMatchObject({ format: "pdf", pages: 2 });
    expect(live.assistant.status).toBe(live.current()!.status);
  });
});
