import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCitations } from "../src/answer/citations.ts";
import { restartDelayMs } from "../src/cluster/primary.ts";
import { PRELOAD } from "../src/config/project.ts";
import type { Answer } from "../src/schema/answer.ts";
import { REPO_ROOT } from "./support/assistant.ts";
import { isRunning } from "./support/processes.ts";
import { tempProject } from "./support/project.ts";

/**
 * `npm start` with WORKERS=2 in a child process (the real primary forking two real workers, each
 * loading the real index), asked over real HTTP. Each request goes on a connection of its own
 * (the primary hands connections to the workers in turn), and carries an X-Request-Id that the
 * serving worker logs with its pid, so each test knows which worker answered what.
 */

const ADMIN = "admin-key-for-workers-0123";
const LIMIT = 12;
/** One rate-limit budget per test: the limit test spends its own. */
const KEYS = { limit: "key-for-the-limit", ask: "key-for-asking", documents: "key-for-documents", replaced: "key-for-replaced" };

let project: Awaited<ReturnType<typeof tempProject>>;
let primary: ChildProcess;
let url: string;
/** Worker pid by slot, as the primary announces them (a replacement overwrites its slot). */
const workers = new Map<number, number>();
const workerReady: ((slot: number, pid: number) => void)[] = [];
/** The pid of the worker that logged each request id. */
const servedBy = new Map<string, number>();
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  project = await tempProject("kpo-workers-");
  primary = spawn(process.execPath, ["--import", PRELOAD, path.join(REPO_ROOT, "src/main.ts")], {
    cwd: project.root,
    env: {
      ...process.env,
      WORKERS: "2",
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "info",
      API_KEYS: Object.values(KEYS).join(","),
      ADMIN_API_KEYS: ADMIN,
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
      // Off, so only the primary's relay can bring an upload to the other worker.
      INDEX_RELOAD_POLL_MS: "0",
      EMBED_WORKERS: "0",
      DATABASE_URL: "",
      REDIS_URL: "",
      DISCORD_TOKEN: "",
      OPENAI_API_KEY: "",
      LLM_BASE_URL: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  createInterface({ input: primary.stderr! }).on("line", (line) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logLines.push(entry);
      if (entry.msg === "request" && typeof entry.reqId === "string") servedBy.set(entry.reqId, entry.pid as number);
    } catch {
      logLines.push({ text: line });
    }
  });
  url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: primary.stdout! }).on("line", (line) => {
      const worker = /^kpo api worker (\d+) ready \(pid (\d+)\)/.exec(line);
      if (worker) {
        workers.set(Number(worker[1]), Number(worker[2]));
        for (const listener of workerReady) listener(Number(worker[1]), Number(worker[2]));
      }
      const ready = /^kpo api ready on (\S+): 2 workers/.exec(line);
      if (ready) resolve(ready[1]!);
    });
    primary.once("exit", (code) => reject(new Error(`the server exited (${code}) before it was ready: ${JSON.stringify(logLines.slice(-5))}`)));
  });
}, 180_000);

afterAll(async () => {
  if (primary && primary.exitCode === null && primary.signalCode === null) {
    primary.kill("SIGKILL");
    for (const pid of workers.values()) if (isRunning(pid)) process.kill(pid, "SIGKILL");
  }
  await project?.remove();
});

let requests = 0;
/** One request on a connection of its own; resolves with the status, the body and the pid of the worker that served it. */
async function request(method: string, route: string, options: { key?: string; json?: unknown } = {}): Promise<{ status: number; body: string; pid: number }> {
  const id = `workers-test-${process.pid}-${requests++}`;
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(`${url}${route}`, {
      method,
      agent: false,
      headers: {
        "x-request-id": id,
        ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
        ...(body ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {}),
      },
    });
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
  // The worker logs the request when the response closes, a moment after the client has it.
  const deadline = Date.now() + 5_000;
  while (!servedBy.has(id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return { status, body: text, pid: servedBy.get(id) ?? -1 };
}

const ask = (question: string, key: string) => request("POST", "/v1/ask", { key, json: { question } });

describe("npm start with WORKERS=2 serves one port from two processes", () => {
  it("answers from both workers on the one port PORT=0 chose, and /metrics counts the requests of both", async () => {
    expect(workers.size).toBe(2);
    expect(new URL(url).port).not.toBe("0");
    const served: number[] = [];
    for (const question of ["What is KPO?", "What does BPO stand for?", "kpo vs bpo?", "What is KPO?"]) {
      const res = await ask(question, KEYS.ask);
      expect(res.status).toBe(200);
      const answer = JSON.parse(res.body) as Answer;
      expect(answer.status).toBe("answered");
      expect(await checkCitations(answer, project.root)).toEqual([]);
      served.push(res.pid);
    }
    expect(new Set(served)).toEqual(new Set(workers.values()));

    const metrics = await request("GET", "/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^kpo_http_requests_total\{method="POST",route="\/v1\/ask",status="200"\} 4$/m);
  });

  it(`holds RATE_LIMIT_PER_MINUTE (${LIMIT}) for a key across the workers: request ${LIMIT + 1} gets 429, whichever worker serves it`, async () => {
    const results = [];
    for (let i = 0; i < LIMIT + 4; i++) results.push(await request("GET", "/v1/sources", { key: KEYS.limit }));
    expect(results.map((r) => r.status)).toEqual([...Array<number>(LIMIT).fill(200), 429, 429, 429, 429]);
    expect(new Set(results.map((r) => r.pid))).toEqual(new Set(workers.values()));
    expect(JSON.parse(results.at(-1)!.body)).toMatchObject({ status: 429, detail: expect.stringMatching(/rate limit of 12 requests a minute exceeded/) });
  });

  it("answers from a document uploaded through one worker on every worker as soon as the upload is acknowledged", async () => {
    const form = new FormData();
    const text = "Acme outsourcing policy\n\nEvery outsourced process needs a named owner inside Acme.\n\nAcme pays a retention bonus to vendor analysts who stay for the whole knowledge transfer period.\n";
    form.set("file", new Blob([text], { type: "text/plain" }), "acme-policy.txt");
    form.set("title", "Acme outsourcing policy");
    const upload = await fetch(`${url}/v1/documents`, { method: "POST", body: form, headers: { authorization: `Bearer ${ADMIN}` } });
    expect(upload.status).toBe(201);

    const served: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await ask("Who gets a retention bonus from Acme?", KEYS.documents);
      expect(res.status).toBe(200);
      const answer = JSON.parse(res.body) as Answer;
      expect(answer.citations.map((c) => c.sourceId)).toContain("acme-policy.txt");
      expect(await checkCitations(answer, project.root)).toEqual([]);
      served.push(res.pid);
    }
    expect(new Set(served)).toEqual(new Set(workers.values()));
  }, 120_000);

  it("replaces a worker that is killed, and the replacement answers", async () => {
    const [slot, victim] = [...workers.entries()][1]!;
    const replaced = new Promise<number>((resolve) => workerReady.push((s, pid) => s === slot && resolve(pid)));
    process.kill(victim, "SIGKILL");
    const replacement = await replaced;
    expect(replacement).not.toBe(victim);
    expect(isRunning(victim)).toBe(false);
    expect(logLines).toContainEqual(expect.objectContaining({ msg: "worker exited unexpectedly; restarting it", slot, workerPid: victim, signal: "SIGKILL" }));

    const served: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await ask("What is KPO?", KEYS.replaced);
      expect(res.status).toBe(200);
      served.push(res.pid);
    }
    expect(new Set(served)).toEqual(new Set(workers.values()));
    expect(served).toContain(replacement);
  }, 120_000);

  it("shuts every worker down gracefully on SIGTERM to the primary, which then exits 0", async () => {
    const pids = [...workers.values()];
    const exited = new Promise<number | null>((resolve) => primary.once("exit", (code) => resolve(code)));
    primary.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(pids.filter(isRunning)).toEqual([]);
    for (const pid of pids) expect(logLines).toContainEqual(expect.objectContaining({ pid, name: "kpo-api", msg: "shut down", clean: true }));
    expect(logLines).toContainEqual(expect.objectContaining({ name: "kpo-primary", msg: "shut down", clean: true }));
  }, 60_000);
});

describe("a worker that keeps dying young is restarted later each time", () => {
  it("restarts at once after a long run, then waits 1, 2, 4 ... s, never more than 30 s", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(restartDelayMs)).toEqual([0, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });
});
