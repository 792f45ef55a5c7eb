import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { answerResponseSchema, feedbackListResponseSchema, gapReportResponseSchema, problemSchema } from "../src/api/schemas.ts";
import { postJson } from "./support/api-harness.ts";
import { startPostgres, startRedis, type Engine } from "./support/engines.ts";
import { startReplica, type Replica } from "./support/replica.ts";

const ADMIN = "admin-key-shared-state-0001";
const KEY = "user-key-shared-state-0001";
const auth = (key = KEY) => ({ authorization: `Bearer ${key}` });

let postgres: Engine;
let redis: Engine;
let a: Replica;
let b: Replica;

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const env = { DATABASE_URL: postgres.url, REDIS_URL: redis.url, API_KEYS: KEY, ADMIN_API_KEYS: ADMIN };
  [a, b] = await Promise.all([startReplica(env), startReplica(env)]);
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await Promise.all([postgres?.destroy(), redis?.destroy()]);
});

async function ask(replica: Replica, question: string, key = KEY) {
  const res = await postJson(`${replica.url}/v1/ask`, { question }, auth(key));
  expect(res.status).toBe(200);
  return { answer: answerResponseSchema.parse(await res.json()), cache: res.headers.get("x-answer-cache") };
}

describe("two replicas over one PostgreSQL and one Redis", () => {
  it("applied the versioned migrations once", async () => {
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT version FROM schema_migrations");
      expect(rows.map((r) => r.version)).toEqual(["001_question_log_feedback_vectors", "002_answers_kept_feedback_reasons_gap_resolutions"]);
    } finally {
      await client.end();
    }
  });

  it("share feedback: an answer issued by one is rated through the other and listed by both; made-up ids are refused", async () => {
    const { answer } = await ask(a, "What is business process outsourcing?");
    const rated = await postJson(`${b.url}/v1/feedback`, { answerId: answer.id, rating: "up", comment: "clear" }, auth());
    expect(rated.status).toBe(201);

    const unknown = await postJson(`${b.url}/v1/feedback`, { answerId: "made-up", rating: "up" }, auth());
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toContain("application/problem+json");

    for (const replica of [a, b]) {
      const listed = feedbackListResponseSchema.parse(await (await fetch(`${replica.url}/v1/feedback?limit=5`, { headers: auth(ADMIN) })).json());
      expect(listed.items[0]).toMatchObject({ answerId: answer.id, rating: "up", question: "What is business process outsourcing?", answerStatus: answer.status });
    }
    const forbidden = await fetch(`${a.url}/v1/feedback`, { headers: auth() });
    expect(forbidden.status).toBe(403);

    // a 👎 given through one replica gets its reason through the other; only the same key may add it
    const down = (await (await postJson(`${a.url}/v1/feedback`, { answerId: answer.id, rating: "down" }, auth())).json()) as { id: string };
    const patch = (key: string, body: unknown) =>
      fetch(`${b.url}/v1/feedback/${down.id}`, { method: "PATCH", headers: { ...auth(key), "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await patch(ADMIN, { reason: "wrong" })).status).toBe(404);
    const amend = await patch(KEY, { reason: "missing", comment: "no examples" });
    expect(amend.status).toBe(200);
    const listed = feedbackListResponseSchema.parse(await (await fetch(`${a.url}/v1/feedback?limit=1`, { headers: auth(ADMIN) })).json());
    expect(listed.items[0]).toMatchObject({ id: down.id, rating: "down", reason: "missing", comment: "no examples" });
    // the answer is kept whole: its permanent link works on the other replica
    const kept = await fetch(`${b.url}/v1/answers/${answer.id}`, { headers: auth() });
    expect(kept.status).toBe(200);
    expect(answerResponseSchema.parse(await kept.json())).toEqual(answer);
  });

  it("share the answer cache: the second replica answers a repeated question from Redis, with a fresh id it accepts feedback for", async () => {
    const first = await ask(a, "What does KPO stand for?");
    const second = await ask(b, "What does KPO stand for?");
    expect(first.cache).toBeNull();
    expect(second.cache).toBe("hit");
    expect(second.answer.id).not.toBe(first.answer.id);
    expect(second.answer.answer).toBe(first.answer.answer);
    expect((await postJson(`${a.url}/v1/feedback`, { answerId: second.answer.id, rating: "up" }, auth())).status).toBe(201);
  });

  it("share rate limits: one limit across both replicas for the same key", async () => {
    const env = { DATABASE_URL: postgres.url, REDIS_URL: redis.url, API_KEYS: "rate-key-0001", RATE_LIMIT_PER_MINUTE: "4" };
    const [x, y] = await Promise.all([startReplica(env), startReplica(env)]);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${(i % 2 ? y : x).url}/v1/glossary`, { headers: auth("rate-key-0001") });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    } finally {
      await Promise.all([x.close(), y.close()]);
    }
  });

  it("share the gap report: not-found and 👎 questions from both replicas, grouped by meaning", async () => {
    const n1 = await ask(a, "How much does a pizza cost in Rome?");
    const n2 = await ask(b, "What is the price of pizza in Rome?");
    expect([n1.answer.status, n2.answer.status]).toEqual(["not_found", "not_found"]);
    const { answer: disliked } = await ask(b, "What is nearshoring?");
    expect((await postJson(`${a.url}/v1/feedback`, { answerId: disliked.id, rating: "down" }, auth())).status).toBe(201);

    const res = await fetch(`${a.url}/v1/gaps`, { headers: auth(ADMIN) });
    expect(res.status).toBe(200);
    const report = gapReportResponseSchema.parse(await res.json());
    const pizza = report.groups.find((g) => g.examples.some((e) => e.includes("pizza")))!;
    expect(pizza).toMatchObject({ count: 2, notFound: 2, ratedDown: 0 });
    expect(pizza.examples.sort()).toEqual(["How much does a pizza cost in Rome?", "What is the price of pizza in Rome?"]);
    expect(pizza.firstSeen <= pizza.lastSeen).toBe(true);
    const nearshoring = report.groups.find((g) => g.examples.includes("What is nearshoring?"))!;
    expect(nearshoring).toMatchObject({ count: 1, ratedDown: 1 });
    expect((await fetch(`${a.url}/v1/gaps`, { headers: auth() })).status).toBe(403);

    // resolved through one replica, gone from both
    const resolved = await fetch(`${b.url}/v1/gaps/${pizza.id}/resolve`, { method: "POST", headers: auth(ADMIN) });
    expect(resolved.status).toBe(201);
    for (const replica of [a, b]) {
      const after = gapReportResponseSchema.parse(await (await fetch(`${replica.url}/v1/gaps`, { headers: auth(ADMIN) })).json());
      expect(after.groups.some((g) => g.id === pizza.id)).toBe(false);
      expect(after.resolved[0]).toMatchObject({ count: 2, resolvedBy: "curator" });
    }
  });

  it("PostgreSQL stopped under traffic: answers keep flowing, feedback is 503 with Retry-After, and both recover without a restart", async () => {
    await postgres.stop();
    try {
      const { answer } = await ask(a, "What is offshoring?");
      expect(answer.status).toBe("answered");
      expect(await a.fallbacks("question_log")).toBeGreaterThan(0);
      const res = await postJson(`${b.url}/v1/feedback`, { answerId: answer.id, rating: "up" }, auth());
      expect(res.status).toBe(503);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(problemSchema.parse(await res.json()).detail).toContain("PostgreSQL");
    } finally {
      await postgres.start();
    }
    // Back up: the next answer is logged and can be rated, on either replica, with no restart of ours.
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 201; attempt++) {
      const { answer } = await ask(b, "What is offshoring?");
      status = (await postJson(`${a.url}/v1/feedback`, { answerId: answer.id, rating: "up" }, auth())).status;
      if (status !== 201) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(201);
  });

  it("Redis stopped: answers keep flowing, rate limiting falls back to each process (counted in /metrics)", async () => {
    await redis.stop();
    try {
      const { answer, cache } = await ask(a, "What is shared services?");
      expect(["answered", "not_found"]).toContain(answer.status);
      expect(cache).toBeNull();
      expect(await a.fallbacks("rate_limit")).toBeGreaterThan(0);
      expect(await a.fallbacks("answer_cache")).toBeGreaterThan(0);
      const metrics = await (await fetch(`${a.url}/metrics`)).text();
      expect(metrics).toMatch(/kpo_shared_state_fallbacks_total\{component="rate_limit"\} [1-9]/);
    } finally {
      await redis.start();
    }
  });
});
