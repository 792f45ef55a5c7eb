import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Assistant } from "../src/assistant-types.ts";
import { answerResponseSchema, feedbackListResponseSchema, feedbackResponseSchema, problemSchema } from "../src/api/schemas.ts";
import { feedbackRecordSchema } from "../src/schema/feedback.ts";
import { postJson, startTestApi } from "./support/api-harness.ts";
import { testAssistant } from "./support/assistant.ts";

const ADMIN = "admin-key-for-feedback-tests";
let storeDir: string;
let first: Assistant;
let second: Assistant;

beforeAll(async () => {
  storeDir = await mkdtemp(path.join(os.tmpdir(), "kpo-api-feedback-"));
  // Two assistants over the same DATA_DIR store: two processes of one host.
  [first, second] = await Promise.all([testAssistant({}, storeDir), testAssistant({}, storeDir)]);
});
afterAll(async () => {
  await Promise.all([first.close(), second.close()]);
  await rm(storeDir, { recursive: true, force: true });
});

const start = (assistant: Assistant) => startTestApi({ assistant, env: { ADMIN_API_KEYS: ADMIN } });

async function ask(url: string, question: string) {
  return answerResponseSchema.parse(await (await postJson(`${url}/v1/ask`, { question })).json());
}

async function rate(url: string, answerId: string, rating: "up" | "down", comment?: string) {
  const res = await postJson(`${url}/v1/feedback`, { answerId, rating, ...(comment ? { comment } : {}) });
  expect(res.status).toBe(201);
  return feedbackResponseSchema.parse(await res.json());
}

describe("feedback over the file store (DATA_DIR)", () => {
  it("refuses an answer id the system never issued with 404 problem+json, and stores nothing", async () => {
    const api = await start(first);
    try {
      const res = await postJson(`${api.url}/v1/feedback`, { answerId: "made-up", rating: "up" });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(problemSchema.parse(await res.json()).detail).toContain("made-up");
      expect(await first.feedback.list()).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it("an answer issued by one process can be rated through another; the admin listing shows question and status", async () => {
    const [a, b] = await Promise.all([start(first), start(second)]);
    try {
      const answer = await ask(a.url, "What is legal process outsourcing?");
      const up = await rate(b.url, answer.id, "up");
      const down = await rate(a.url, answer.id, "down", "ünïcödé ✓ and \"quotes\"\nnewline");

      const listed = await fetch(`${b.url}/v1/feedback?limit=2`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(listed.status).toBe(200);
      const body = feedbackListResponseSchema.parse(await listed.json());
      expect(body.items).toEqual([
        { ...down, question: "What is legal process outsourcing?", answerStatus: answer.status },
        { ...up, question: "What is legal process outsourcing?", answerStatus: answer.status },
      ]);
      expect((await fetch(`${b.url}/v1/feedback`)).status).toBe(401);

      const lines = (await readFile(path.join(storeDir, "feedback.jsonl"), "utf8")).split("\n").filter(Boolean);
      expect(lines.map((l) => feedbackRecordSchema.parse(JSON.parse(l)).id)).toEqual([up.id, down.id]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("keeps every record when many arrive at once (one whole line each)", async () => {
    const api = await start(first);
    try {
      const answer = await ask(api.url, "What is offshoring?");
      const before = (await first.feedback.list(500)).length;
      const records = await Promise.all(Array.from({ length: 25 }, (_, i) => rate(api.url, answer.id, i % 2 ? "up" : "down", "x".repeat(500))));
      const stored = await second.feedback.list(500);
      expect(stored).toHaveLength(before + 25);
      expect(new Set(stored.slice(0, 25).map((r) => r.id))).toEqual(new Set(records.map((r) => r.id)));
    } finally {
      await api.close();
    }
  });

  it("a DATA_DIR that cannot take feedback answers 503 problem+json saying so, while answers keep flowing", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "kpo-api-feedback-ro-"));
    // feedback.jsonl as a directory: any write fails (root ignores permission bits, so a mode cannot show this)
    await mkdir(path.join(dir, "feedback.jsonl"));
    const assistant = await testAssistant({}, dir);
    const api = await start(assistant);
    try {
      const answer = await ask(api.url, "What is KPO?");
      expect(answer.status).toBe("answered");
      const res = await postJson(`${api.url}/v1/feedback`, { answerId: answer.id, rating: "up" });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("60");
      const problem = problemSchema.parse(await res.json());
      expect(problem.detail).toMatch(/DATA_DIR is not writable \(EISDIR\)/);
      expect(problem.detail).not.toContain(dir);
    } finally {
      await api.close();
      await assistant.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
