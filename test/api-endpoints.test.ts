import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Assistant } from "../src/assistant-types.ts";
import { checkCitations } from "../src/answer/citations.ts";
import {
  answerResponseSchema,
  feedbackResponseSchema,
  glossaryEntryResponseSchema,
  glossaryListResponseSchema,
  problemSchema,
  readyResponseSchema,
  searchResponseSchema,
  sourceDetailResponseSchema,
  sourcesResponseSchema,
  sseCitationsEventSchema,
  sseDeltaEventSchema,
} from "../src/api/schemas.ts";
import { postJson, startTestApi, type TestApi } from "./support/api-harness.ts";
import { REPO_ROOT, testAssistant } from "./support/assistant.ts";
import { readSse } from "./support/sse-client.ts";

let api: TestApi;
let assistant: Assistant;

beforeAll(async () => {
  assistant = await testAssistant();
  api = await startTestApi({ assistant });
});
afterAll(async () => {
  await api?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${api.url}${path}`, { headers });

describe("health and readiness", () => {
  it("GET /healthz answers 200 with status ok", async () => {
    const res = await get("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok" });
  });

  it("GET /readyz answers 200 with the active embedder and answer mode once the assistant is loaded", async () => {
    const res = await get("/readyz");
    expect(res.status).toBe(200);
    const body = readyResponseSchema.parse(await res.json());
    expect(body).toEqual({ status: "ready", embedder: assistant.status.embedder, defaultMode: "deterministic" });
  });
});

describe("POST /v1/ask", () => {
  it("answers with a valid Answer whose citations are verbatim slices of the cited files", async () => {
    const res = await postJson(`${api.url}/v1/ask`, { question: "What does KPO stand for?" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const answer = answerResponseSchema.parse(await res.json());
    expect(answer.status).toBe("answered");
    expect(answer.mode).toBe("deterministic");
    expect(answer.answer.toLowerCase()).toContain("knowledge process outsourcing");
    expect(answer.citations.length).toBeGreaterThan(0);
    expect(await checkCitations(answer, REPO_ROOT)).toEqual([]);
  });

  it("passes mode and k through and trims the question", async () => {
    const res = await postJson(`${api.url}/v1/ask`, { question: "  what is offshoring?  ", mode: "deterministic", k: 3 });
    expect(res.status).toBe(200);
    const answer = answerResponseSchema.parse(await res.json());
    expect(answer.question).toBe("what is offshoring?");
    expect(answer.mode).toBe("deterministic");
  });

  it("serves a repeated deterministic question from the cache with a fresh answer id and the same content", async () => {
    const question = "How is BPO different from KPO?";
    const first = answerResponseSchema.parse(await (await postJson(`${api.url}/v1/ask`, { question })).json());
    const res = await postJson(`${api.url}/v1/ask`, { question });
    expect(res.headers.get("x-answer-cache")).toBe("hit");
    const second = answerResponseSchema.parse(await res.json());
    expect(second.id).not.toBe(first.id);
    expect({ ...second, id: "", timings: null }).toEqual({ ...first, id: "", timings: null });
  });

  it("answers a question the corpus cannot answer with not_found, not an error", async () => {
    const res = await postJson(`${api.url}/v1/ask`, { question: "What is the boiling point of mercury on Jupiter?" });
    expect(res.status).toBe(200);
    const answer = answerResponseSchema.parse(await res.json());
    expect(["not_found", "refused", "answered"]).toContain(answer.status);
    expect(await checkCitations(answer, REPO_ROOT)).toEqual([]);
  });
});

describe("POST /v1/ask with Accept: text/event-stream", () => {
  it("streams citations, then deltas, then done with the final Answer, parsed as a client would", async () => {
    const res = await postJson(`${api.url}/v1/ask`, { question: "What is business process outsourcing?" }, { accept: "text/event-stream" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const events = await readSse(res);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe("citations");
    expect(names.at(-1)).toBe("done");
    expect(names.slice(1, -1).every((n) => n === "delta")).toBe(true);
    expect(names).not.toContain("error");

    const citations = sseCitationsEventSchema.parse(JSON.parse(events[0]!.data)).citations;
    const text = events
      .filter((e) => e.event === "delta")
      .map((e) => sseDeltaEventSchema.parse(JSON.parse(e.data)).text)
      .join("");
    const answer = answerResponseSchema.parse(JSON.parse(events.at(-1)!.data));
    expect(answer.status).toBe("answered");
    expect(text).toBe(answer.answer);
    expect(citations.map((c) => c.n)).toEqual(expect.arrayContaining(answer.citations.map((c) => c.n)));
    expect(await checkCitations(answer, REPO_ROOT)).toEqual([]);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => String(i)));
  });

  it("rejects an invalid question with a 400 problem before any stream starts", async () => {
    const res = await postJson(`${api.url}/v1/ask`, { question: "" }, { accept: "text/event-stream" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  });
});

describe("GET /v1/search", () => {
  it("returns ranked passages with source file, section, offsets and scores", async () => {
    const res = await get(`/v1/search?q=${encodeURIComponent("knowledge process outsourcing")}&k=4`);
    expect(res.status).toBe(200);
    const body = searchResponseSchema.parse(await res.json());
    expect(body.query).toBe("knowledge process outsourcing");
    expect(body.hits.length).toBeGreaterThan(0);
    expect(body.hits.length).toBeLessThanOrEqual(4);
    const scores = body.hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const hit of body.hits) {
      expect(hit.path).toMatch(/^corpus\//);
      expect(hit.end).toBeGreaterThan(hit.start);
      expect(Object.keys(hit.ranks).length).toBeGreaterThan(0);
    }
  });

  it("uses the assistant's default k when k is absent", async () => {
    const res = await get(`/v1/search?q=offshoring`);
    expect(res.status).toBe(200);
    expect(searchResponseSchema.parse(await res.json()).hits.length).toBeGreaterThan(0);
  });
});

describe("glossary", () => {
  it("GET /v1/glossary lists every entry sorted by term", async () => {
    const res = await get("/v1/glossary");
    const body = glossaryListResponseSchema.parse(await res.json());
    expect(body.count).toBe(assistant.glossary.list().length);
    expect(body.count).toBeGreaterThan(10);
    const terms = body.entries.map((e) => e.term);
    expect(terms).toEqual([...terms].sort((a, b) => a.localeCompare(b)));
  });

  it("GET /v1/glossary?q= filters by term or alias", async () => {
    const body = glossaryListResponseSchema.parse(await (await get("/v1/glossary?q=kpo")).json());
    expect(body.entries.map((e) => e.term)).toContain("Knowledge process outsourcing");
    expect(body.count).toBeLessThan(assistant.glossary.list().length);
  });

  it("GET /v1/glossary/:term finds an entry by an alias, ignoring case and punctuation", async () => {
    const res = await get(`/v1/glossary/${encodeURIComponent("K.P.O.")}`);
    expect(res.status).toBe(200);
    expect(glossaryEntryResponseSchema.parse(await res.json()).term).toBe("Knowledge process outsourcing");
  });

  it("GET /v1/glossary/:term answers 404 problem+json with suggestions of close terms", async () => {
    const res = await get(`/v1/glossary/outsorcing`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = problemSchema.parse(await res.json());
    expect(problem).toMatchObject({ status: 404, title: "Not Found" });
    expect(problem.suggestions).toContain("Outsourcing");
    expect(problem.detail).toContain("did you mean");
  });
});

describe("sources", () => {
  it("GET /v1/sources lists the manifest of every source", async () => {
    const body = sourcesResponseSchema.parse(await (await get("/v1/sources")).json());
    expect(body.count).toBe(5);
    expect(body.sources.map((s) => s.id)).toContain("000_07027fcb20a76bf4.txt");
  });

  it("GET /v1/sources/:id returns the cleaned text and spans", async () => {
    const res = await get("/v1/sources/000_07027fcb20a76bf4.txt");
    expect(res.status).toBe(200);
    const body = sourceDetailResponseSchema.parse(await res.json());
    expect(body.cleanedText.length).toBeGreaterThan(100);
    expect(body.spans.length).toBeGreaterThan(0);
  });

  it("GET /v1/sources/:id answers 404 problem+json for an unknown id", async () => {
    const res = await get("/v1/sources/nope.txt");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ status: 404, type: "urn:kpo:problem:not-found" });
  });
});

describe("POST /v1/feedback", () => {
  it("stores the rating and returns the record with 201", async () => {
    const ask = answerResponseSchema.parse(await (await postJson(`${api.url}/v1/ask`, { question: "What is offshoring?" })).json());
    const res = await postJson(`${api.url}/v1/feedback`, { answerId: ask.id, rating: "down", comment: "too long" });
    expect(res.status).toBe(201);
    const record = feedbackResponseSchema.parse(await res.json());
    expect(record).toMatchObject({ answerId: ask.id, rating: "down", comment: "too long", channel: "api" });
    expect(record.user).toBeUndefined();
    const [latest] = await assistant.feedback.list(1);
    expect(latest).toEqual({ ...record, question: "What is offshoring?", answerStatus: ask.status });
  });

  it("rejects an unknown rating with the zod issue at its field path", async () => {
    const res = await postJson(`${api.url}/v1/feedback`, { answerId: "x", rating: "meh" });
    expect(res.status).toBe(400);
    const problem = problemSchema.parse(await res.json());
    expect(problem.issues?.[0]).toMatchObject({ in: "body", path: ["rating"], pointer: "/rating" });
  });
});

describe("cross-cutting", () => {
  it("puts an X-Request-Id on every response and echoes a well-formed incoming one", async () => {
    for (const path of ["/healthz", "/v1/sources", "/nope", "/metrics"]) {
      const res = await get(path);
      expect(res.headers.get("x-request-id"), path).toMatch(/^[0-9a-f-]{36}$/);
    }
    const res = await get("/healthz", { "x-request-id": "client-chosen-id.42" });
    expect(res.headers.get("x-request-id")).toBe("client-chosen-id.42");
    const bad = await get("/healthz", { "x-request-id": "has spaces and \u00e9" });
    expect(bad.headers.get("x-request-id")).not.toBe("has spaces and \u00e9");
  });

  it("sends security headers and no X-Powered-By", async () => {
    const res = await get("/v1/sources");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("strict-transport-security")).toBeTruthy();
    expect(res.headers.get("content-security-policy")).toBeTruthy();
    expect(res.headers.get("x-powered-by")).toBeNull();
  });

  it("sends no CORS headers when no allow-list is configured", async () => {
    const res = await get("/v1/sources", { origin: "https://example.org" });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("GET /metrics reports request counts, latency histograms per route, and answers by status and mode", async () => {
    await postJson(`${api.url}/v1/ask`, { question: "What is data entry?" });
    const res = await get("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/kpo_http_requests_total\{method="POST",route="\/v1\/ask",status="200"\} \d+/);
    expect(text).toMatch(/kpo_http_request_duration_seconds_bucket\{le="0\.1",method="POST",route="\/v1\/ask",status="200"\} \d+/);
    expect(text).toMatch(/kpo_http_requests_total\{method="GET",route="\/v1\/glossary\/:term",status="404"\} \d+/);
    expect(text).toMatch(/kpo_answers_total\{status="answered",mode="deterministic",transport="json"\} \d+/);
    expect(text).toMatch(/kpo_answers_total\{status="answered",mode="deterministic",transport="sse"\} \d+/);
    expect(text).toContain("# TYPE kpo_llm_fallbacks_total counter");
  });
});

describe("CORS with an allow-list", () => {
  let corsApi: TestApi;
  beforeAll(async () => {
    corsApi = await startTestApi({ assistant, env: { CORS_ORIGINS: "https://tools.example.com" } });
  });
  afterAll(async () => corsApi?.close());

  it("allows a listed origin (including the preflight) and not another", async () => {
    const ok = await fetch(`${corsApi.url}/v1/sources`, { headers: { origin: "https://tools.example.com" } });
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://tools.example.com");
    expect(ok.headers.get("access-control-expose-headers")).toContain("X-Request-Id");
    const preflight = await fetch(`${corsApi.url}/v1/ask`, {
      method: "OPTIONS",
      headers: { origin: "https://tools.example.com", "access-control-request-method": "POST", "access-control-request-headers": "content-type,authorization" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("Authorization");
    const other = await fetch(`${corsApi.url}/v1/sources`, { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});
