import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Assistant } from "../src/assistant-types.ts";
import { createAuth, keyIdOf } from "../src/api/auth.ts";
import { feedbackResponseSchema, problemSchema } from "../src/api/schemas.ts";
import { ConfigError } from "../src/errors.ts";
import { postJson, startTestApi, type TestApi } from "./support/api-harness.ts";
import { testAssistant } from "./support/assistant.ts";

const KEY_A = "kpo-test-key-alpha-7f3c9e1d2b";
const KEY_B = "kpo-test-key-bravo-00aa11bb22";
const QUESTION = "Which countries are popular KPO destinations?";

let assistant: Assistant;
beforeAll(async () => {
  assistant = await testAssistant();
});

describe("API keys on", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ assistant, env: { API_KEYS: `${KEY_A}, ${KEY_B}`, LOG_QUESTIONS: "false" } });
  });
  afterAll(async () => api?.close());

  it("rejects /v1/* without a key with 401 problem+json and WWW-Authenticate", async () => {
    for (const res of [await fetch(`${api.url}/v1/sources`), await postJson(`${api.url}/v1/ask`, { question: QUESTION })]) {
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="kpo"');
      expect(problemSchema.parse(await res.json()).status).toBe(401);
    }
  });

  it("rejects a wrong key, a key of another length and a non-Bearer scheme", async () => {
    for (const authorization of [`Bearer ${KEY_A}x`, "Bearer short", `Basic ${Buffer.from(`u:${KEY_A}`).toString("base64")}`, `Bearer ${KEY_A} extra`]) {
      const res = await fetch(`${api.url}/v1/sources`, { headers: { authorization } });
      expect(res.status, authorization).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    }
  });

  it("accepts each configured key (scheme case-insensitive)", async () => {
    expect((await fetch(`${api.url}/v1/sources`, { headers: { authorization: `Bearer ${KEY_A}` } })).status).toBe(200);
    expect((await fetch(`${api.url}/v1/sources`, { headers: { authorization: `bearer ${KEY_B}` } })).status).toBe(200);
    const res = await postJson(`${api.url}/v1/ask`, { question: QUESTION }, { authorization: `Bearer ${KEY_B}` });
    expect(res.status).toBe(200);
  });

  it("counts rejected requests under their route in the metrics", async () => {
    await fetch(`${api.url}/v1/glossary/bpo`);
    const text = await (await fetch(`${api.url}/metrics`)).text();
    expect(text).toMatch(/kpo_http_requests_total\{method="GET",route="\/v1\/glossary\/:term",status="401"\} 1/);
  });

  it("leaves /healthz, /readyz, /metrics and /openapi.json open", async () => {
    for (const path of ["/healthz", "/readyz", "/metrics", "/openapi.json"]) {
      expect((await fetch(`${api.url}${path}`)).status, path).toBe(200);
    }
  });

  it("records feedback under the key id, never the key", async () => {
    const asked = (await (await postJson(`${api.url}/v1/ask`, { question: "What is KPO?" }, { authorization: `Bearer ${KEY_A}` })).json()) as { id: string };
    const res = await postJson(`${api.url}/v1/feedback`, { answerId: asked.id, rating: "up" }, { authorization: `Bearer ${KEY_A}` });
    expect(res.status).toBe(201);
    const record = feedbackResponseSchema.parse(await res.json());
    expect(record.user).toBe(keyIdOf(KEY_A));
    expect(JSON.stringify(await assistant.feedback.list())).not.toContain(KEY_A);
  });

  it("never logs a key or (with LOG_QUESTIONS=false) the question, and every log line has the request id", async () => {
    const res = await postJson(`${api.url}/v1/ask`, { question: QUESTION }, { authorization: `Bearer ${KEY_A}` });
    await res.text();
    await fetch(`${api.url}/v1/search?q=${encodeURIComponent(QUESTION)}`, { headers: { authorization: `Bearer ${KEY_B}` } });
    await fetch(`${api.url}/v1/sources`, { headers: { authorization: `Bearer wrong-${KEY_A}` } });
    await new Promise((resolve) => setImmediate(resolve));
    const text = api.logText();
    expect(text).not.toContain(KEY_A);
    expect(text).not.toContain(KEY_B);
    expect(text).not.toContain("Which countries");
    expect(api.logs.length).toBeGreaterThan(3);
    for (const line of api.logs) expect(line.reqId).toEqual(expect.any(String));
    const askLine = api.logs.find((l) => l.reqId === res.headers.get("x-request-id"));
    expect(askLine).toMatchObject({ route: "/v1/ask", status: 200, keyId: keyIdOf(KEY_A), questionChars: QUESTION.length });
  });
});

describe("API keys off", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ assistant });
  });
  afterAll(async () => api?.close());

  it("serves /v1/* without a key and ignores an Authorization header", async () => {
    expect((await fetch(`${api.url}/v1/sources`)).status).toBe(200);
    expect((await fetch(`${api.url}/v1/sources`, { headers: { authorization: "Bearer anything" } })).status).toBe(200);
  });

  it("logs the question text when LOG_QUESTIONS is on (the default)", async () => {
    const res = await postJson(`${api.url}/v1/ask`, { question: QUESTION });
    await res.text();
    await new Promise((resolve) => setImmediate(resolve));
    expect(api.logs.find((l) => l.reqId === res.headers.get("x-request-id"))).toMatchObject({ question: QUESTION });
  });
});

describe("rate limiting", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ assistant, env: { RATE_LIMIT_PER_MINUTE: "3", API_KEYS: `${KEY_A},${KEY_B}` } });
  });
  afterAll(async () => api?.close());

  it("answers 429 problem+json with Retry-After past the limit, per key", async () => {
    const as = (key: string) => fetch(`${api.url}/v1/sources`, { headers: { authorization: `Bearer ${key}` } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await as(KEY_A)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await as(KEY_A);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(problemSchema.parse(await limited.json())).toMatchObject({ status: 429, type: "urn:kpo:problem:rate-limited" });
    expect(limited.headers.get("ratelimit")).toContain("r=0");

    // Another key has its own budget; health checks are never limited.
    expect((await as(KEY_B)).status).toBe(200);
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  });

  it("limits requests without a valid key by address", async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${api.url}/v1/sources`)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

describe("createAuth", () => {
  it("refuses an API key containing whitespace at construction", () => {
    expect(() => createAuth({ API_KEYS: ["two words"] })).toThrow(ConfigError);
  });

  it("derives a stable key id that does not contain the key", () => {
    expect(keyIdOf(KEY_A)).toBe(keyIdOf(KEY_A));
    expect(keyIdOf(KEY_A)).not.toBe(keyIdOf(KEY_B));
    expect(keyIdOf(KEY_A)).not.toContain(KEY_A.slice(0, 8));
  });
});
