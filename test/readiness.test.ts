import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { Embedder } from "../src/embed/embedder.ts";
import { createUseLiteEmbedder } from "../src/embed/use-lite.ts";
import { createLiveAssistant } from "../src/live-assistant.ts";
import { REPO_ROOT } from "./support/assistant.ts";
import { serveLive, tempProject } from "./support/project.ts";
import { PRELOAD } from "../src/config/project.ts";

/**
 * The index's embedder (same id, so the built index is loaded, not rebuilt) whose model "loads"
 * only when the test opens the gate; every call waits for it.
 */
function gatedEmbedder(): Embedder & { open(): void; called: Promise<void> } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let called!: () => void;
  const calledOnce = new Promise<void>((resolve) => (called = resolve));
  return {
    id: createUseLiteEmbedder().id,
    dimensions: 512,
    maxBatch: 24,
    async embed(texts) {
      called();
      await gate;
      return texts.map((_, i) => Array.from({ length: 512 }, (_, d) => (d === i % 512 ? 1 : 0)));
    },
    open,
    called: calledOnce,
  };
}

let project: Awaited<ReturnType<typeof tempProject>>;
beforeAll(async () => {
  project = await tempProject("kpo-readiness-");
}, 60_000);
afterAll(async () => {
  await project?.remove();
});

describe("/readyz means ready", () => {
  it("answers 503 while the embedding model is still warming up, 200 once it has run", async () => {
    const embedder = gatedEmbedder();
    const live = createLiveAssistant(project.settings, { embedder, pollMs: 0 });
    const api = await serveLive(project.settings, live);
    try {
      const started = live.start();
      // The warm-up runs after the index is loaded: from here on only the model is missing.
      await embedder.called;
      expect((await fetch(`${api.url}/readyz`)).status).toBe(503);
      expect(live.current()).toBeUndefined();
      embedder.open();
      await started;
      const ready = await fetch(`${api.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: "ready", embedder: embedder.id });
    } finally {
      await api.running.shutdown("test");
      await live.close();
    }
  }, 60_000);

  it("starts the server without importing the LLM client when no LLM is configured", async () => {
    const logDir = await mkdtemp(path.join(os.tmpdir(), "kpo-imports-"));
    const log = path.join(logDir, "imports.txt");
    const child = spawn(process.execPath, ["--import", PRELOAD, "--import", "./test/support/record-imports.mjs", "src/main.ts"], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        KPO_IMPORT_LOG: log,
        DATA_DIR: inject("sharedDataDir"),
        HOST: "127.0.0.1",
        PORT: "0",
        LOG_LEVEL: "warn",
        API_KEYS: "",
        DISCORD_TOKEN: "",
        OPENAI_API_KEY: "",
        LLM_BASE_URL: "",
        EMBEDDINGS: "use-lite",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const ready = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).on("line", (line) => {
          if (/ready on /.test(line)) resolve(line);
        });
        void exited.then((code) => reject(new Error(`main exited (${code}) before it was ready: ${stderr}`)));
      });
      expect(ready).toContain("answer mode deterministic");
      const imported = (await readFile(log, "utf8")).split("\n");
      // The recorder works: the server's own modules and the embedding model are in the list.
      expect(imported.some((url) => url.endsWith("/src/live-assistant.ts"))).toBe(true);
      expect(imported.some((url) => url.includes("/@energetic-ai/embeddings/"))).toBe(true);
      expect(imported.filter((url) => url.includes("/@langchain/openai/") || url.includes("/src/answer/llm/index.ts") || url.includes("/src/answer/llm/client.ts"))).toEqual([]);
    } finally {
      child.kill("SIGTERM");
      await exited;
      await rm(logDir, { recursive: true, force: true });
    }
  }, 90_000);
});
