import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { Assistant } from "../src/assistant-types.ts";
import { answerResponseSchema } from "../src/api/schemas.ts";
import { postJson, startTestApi } from "./support/api-harness.ts";
import { REPO_ROOT, sharedTestAssistant } from "./support/assistant.ts";
import { PRELOAD } from "../src/config/project.ts";

let real: Assistant;
beforeAll(async () => {
  real = await sharedTestAssistant();
});

/** The real assistant, with `ask` held until the test opens the gate. */
function gatedAssistant() {
  let open!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const inFlight = new Promise<void>((resolve) => (entered = resolve));
  const assistant = Object.assign(Object.create(real) as Assistant, {
    ask: async (question: string, options?: Parameters<Assistant["ask"]>[1], context?: Parameters<Assistant["ask"]>[2]) => {
      entered();
      await gate;
      return real.ask(question, options, context);
    },
  });
  return { assistant, open, inFlight };
}

describe("startServer graceful shutdown", () => {
  it("stops accepting, lets the in-flight request finish, then runs the hooks last-registered first", async () => {
    const { assistant, open, inFlight } = gatedAssistant();
    const api = await startTestApi({ assistant });
    const order: string[] = [];
    api.running.onShutdown(() => void order.push("assistant"));
    api.running.onShutdown(async () => void order.push("bot"));

    const pending = postJson(`${api.url}/v1/ask`, { question: "What is KPO?" });
    await inFlight;
    const shutdown = api.running.shutdown("test");
    expect(api.running.closing).toBe(true);
    await expect(fetch(`${api.url}/healthz`)).rejects.toThrow();
    expect(order).toEqual([]);

    open();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get("connection")).toBe("close");
    answerResponseSchema.parse(await res.json());
    expect(await shutdown).toBe(true);
    expect(order).toEqual(["bot", "assistant"]);
    expect(await api.running.shutdown("again")).toBe(true);
  });

  it("cuts requests still running after SHUTDOWN_TIMEOUT_MS and still runs the hooks", async () => {
    const { assistant, open, inFlight } = gatedAssistant();
    const api = await startTestApi({ assistant, env: { SHUTDOWN_TIMEOUT_MS: "100" } });
    let hookRan = false;
    api.running.onShutdown(() => void (hookRan = true));
    const pending = postJson(`${api.url}/v1/ask`, { question: "What is BPO?" }).then(
      (r) => r.status,
      () => "connection closed",
    );
    await inFlight;
    expect(await api.running.shutdown("test")).toBe(false);
    expect(await pending).toBe("connection closed");
    expect(hookRan).toBe(true);
    open();
  });
});

/** Runs `npm start`'s command (src/main.ts with src/preload.mjs) and follows its stdout. */
function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", PRELOAD, "src/main.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "warn", API_KEYS: "", DISCORD_TOKEN: "", OPENAI_API_KEY: "", LLM_BASE_URL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  const waiters: { match: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      const m = line.match(w.match);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const waitFor = (match: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const seen = lines.map((l) => l.match(match)).find(Boolean);
      if (seen) return resolve(seen);
      waiters.push({ match, resolve });
      void exited.then(({ code }) => reject(new Error(`main exited (${code}) before printing ${match}: ${stderr}`)));
    });
  return { child, waitFor, exited, stderr: () => stderr };
}

describe("npm start (src/main.ts)", () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });

  it("listens first, turns ready with the embedder and answer mode printed, serves /v1 (and MCP at /mcp with MCP_HTTP=true), and exits 0 on SIGTERM", async () => {
    const main = startMain({ DATA_DIR: inject("sharedDataDir"), MCP_HTTP: "true" });
    children.push(main.child);
    const [, url] = await main.waitFor(/listening on (http:\/\/\S+)/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const [ready] = await main.waitFor(/ready on .*embedder (\S+), answer mode (\S+)/);
    expect(ready).toContain(`embedder ${real.status.embedder}, answer mode deterministic`);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const res = await postJson(`${url}/v1/ask`, { question: "What does KPO stand for?" });
    expect(answerResponseSchema.parse(await res.json()).status).toBe("answered");
    const client = new Client({ name: "kpo-test-client", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("ask");
    await client.close();
    main.child.kill("SIGTERM");
    expect(await main.exited).toEqual({ code: 0, signal: null });
  }, 60_000); // a start of its own (model load, index load) on a busy machine can take most of the default 30 s

  it("answers /healthz while the index is still being built, /readyz 503, and exits 0 on SIGINT", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "kpo-api-main-empty-"));
    try {
      const main = startMain({ DATA_DIR: dataDir });
      children.push(main.child);
      const [, url] = await main.waitFor(/listening on (http:\/\/\S+)/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      // Building the index from scratch takes many seconds; this runs right after listening.
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
      // MCP over HTTP is off unless MCP_HTTP=true.
      expect((await postJson(`${url}/mcp`, { jsonrpc: "2.0", id: 1, method: "tools/list" })).status).toBe(404);
      main.child.kill("SIGINT");
      expect(await main.exited).toEqual({ code: 0, signal: null });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("stops with a message naming the variable when a setting is invalid", async () => {
    const main = startMain({ PORT: "not-a-port" });
    children.push(main.child);
    expect((await main.exited).code).toBe(1);
    expect(main.stderr()).toContain("PORT");
  });
});
