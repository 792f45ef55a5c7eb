import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Assistant } from "../src/assistant-types.ts";
import { answerResponseSchema, feedbackResponseSchema } from "../src/api/schemas.ts";
import { FeedbackStore } from "../src/feedback/store.ts";
import { feedbackRecordSchema } from "../src/schema/feedback.ts";
import { postJson, startTestApi, withTempFeedback } from "./support/api-harness.ts";
import { sharedTestAssistant } from "./support/assistant.ts";

let real: Assistant;
let dataDir: string;

beforeAll(async () => {
  real = await sharedTestAssistant();
  dataDir = await mkdtemp(path.join(os.tmpdir(), "kpo-api-feedback-restart-"));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** An API process over DATA_DIR: the real assistant with the feedback store createAssistant would open there. */
async function startInstance() {
  return startTestApi({ assistant: await withTempFeedback(real, dataDir), env: { DATA_DIR: dataDir } });
}

async function rate(url: string, answerId: string, rating: "up" | "down", comment?: string) {
  const res = await postJson(`${url}/v1/feedback`, { answerId, rating, ...(comment ? { comment } : {}) });
  expect(res.status).toBe(201);
  return feedbackResponseSchema.parse(await res.json());
}

describe("feedback storage", () => {
  it("survives a restart: records from two app instances over the same DATA_DIR are all kept, in order", async () => {
    const first = await startInstance();
    const ask = answerResponseSchema.parse(await (await postJson(`${first.url}/v1/ask`, { question: "What is legal process outsourcing?" })).json());
    const a = await rate(first.url, ask.id, "up");
    const b = await rate(first.url, ask.id, "down", "missing the LPO acronym");
    await first.close();

    // The Discord bot writes to the same store.
    const bot = await new FeedbackStore(dataDir).record({ answerId: "from-discord", rating: "up" }, { channel: "discord", user: "1234" });

    const second = await startInstance();
    const c = await rate(second.url, "another-answer", "up", "ünïcödé ✓ and \"quotes\"\nnewline");
    await second.close();

    const stored = await new FeedbackStore(dataDir).list();
    expect(stored).toEqual([a, b, bot, c]);
    const lines = (await readFile(path.join(dataDir, "feedback.jsonl"), "utf8")).split("\n").filter(Boolean);
    expect(lines).toHaveLength(4);
    for (const line of lines) feedbackRecordSchema.parse(JSON.parse(line));
  });

  it("keeps every record when many arrive at once (one whole line each)", async () => {
    const api = await startInstance();
    try {
      const before = (await new FeedbackStore(dataDir).list()).length;
      const records = await Promise.all(Array.from({ length: 25 }, (_, i) => rate(api.url, `concurrent-${i}`, i % 2 ? "up" : "down", "x".repeat(500))));
      const stored = await new FeedbackStore(dataDir).list();
      expect(stored).toHaveLength(before + 25);
      expect(new Set(stored.map((r) => r.id))).toEqual(new Set([...stored.slice(0, before), ...records].map((r) => r.id)));
    } finally {
      await api.close();
    }
  });
});
