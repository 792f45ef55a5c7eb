import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { answerResponseSchema, feedbackResponseSchema } from "../src/api/schemas.ts";
import { feedbackRecordSchema } from "../src/schema/feedback.ts";
import { postJson } from "./support/api-harness.ts";
import { REPO_ROOT } from "./support/assistant.ts";
import { startPostgres, type Engine } from "./support/engines.ts";
import { PRELOAD } from "../src/config/project.ts";

let postgres: Engine;
beforeAll(async () => {
  postgres = await startPostgres();
}, 120_000);
afterAll(async () => {
  await postgres?.destroy();
});

/** `npm start` in a child process (the real composition root), resolved once it says it is ready. */
async function startChild(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", PRELOAD, "src/main.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATA_DIR: inject("sharedDataDir"), PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", DATABASE_URL: "", REDIS_URL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = /kpo api ready on (\S+):/.exec(line);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`replica exited (${code}) before it was ready: ${stderr.slice(-1000)}`)));
  });
  return { child, url };
}

/** Rates one answer over and over from 8 concurrent clients; kill -9 the replica after `killAfter` acknowledgements. */
async function rateUntilKilled(url: string, child: ChildProcess, killAfter: number): Promise<string[]> {
  const asked = answerResponseSchema.parse(await (await postJson(`${url}/v1/ask`, { question: "What is KPO?" })).json());
  const acknowledged: string[] = [];
  let killed = false;
  const client = async () => {
    while (!killed) {
      try {
        const res = await postJson(`${url}/v1/feedback`, { answerId: asked.id, rating: "up", comment: "x".repeat(200) });
        if (res.status === 201) acknowledged.push(feedbackResponseSchema.parse(await res.json()).id);
      } catch {
        return; // connection refused or reset: the replica is gone
      }
      if (!killed && acknowledged.length >= killAfter) {
        killed = true;
        child.kill("SIGKILL");
      }
    }
  };
  const exited = new Promise((resolve) => child.once("exit", resolve));
  await Promise.all(Array.from({ length: 8 }, client));
  await exited;
  return acknowledged;
}

/** Each test starts `npm start` in a child (tsx compiling src/, the embedding model loading): on a cold, busy machine that alone can take most of the default 30 s. */
const REPLICA_TEST_TIMEOUT_MS = 120_000;

describe("kill -9 of a replica during feedback writes loses no acknowledged record", () => {
  it("with PostgreSQL (DATABASE_URL)", async () => {
    const { child, url } = await startChild({ DATABASE_URL: postgres.url });
    const acknowledged = await rateUntilKilled(url, child, 40);
    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    try {
      const stored = new Set((await db.query<{ id: string }>("SELECT id::text FROM feedback")).rows.map((r) => r.id));
      expect(acknowledged.length).toBeGreaterThanOrEqual(40);
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      await db.end();
    }
  }, REPLICA_TEST_TIMEOUT_MS);

  it("with the JSONL files in DATA_DIR", async () => {
    const { child, url } = await startChild({});
    const acknowledged = await rateUntilKilled(url, child, 40);
    const text = await readFile(path.join(inject("sharedDataDir"), "feedback.jsonl"), "utf8");
    const stored = new Set(
      text.split("\n").flatMap((line) => {
        const parsed = feedbackRecordSchema.safeParse((() => { try { return JSON.parse(line); } catch { return undefined; } })());
        return parsed.success ? [parsed.data.id] : [];
      }),
    );
    expect(acknowledged.length).toBeGreaterThanOrEqual(40);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
  }, REPLICA_TEST_TIMEOUT_MS);
});
