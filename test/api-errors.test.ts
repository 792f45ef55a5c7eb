import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Assistant } from "../src/assistant-types.ts";
import { problemSchema } from "../src/api/schemas.ts";
import { postJson, startTestApi, type TestApi } from "./support/api-harness.ts";
import { sharedTestAssistant, testSettings } from "./support/assistant.ts";
import { SecretInternalError, fakeAssistant } from "./support/fake-assistant.ts";
import { readSse } from "./support/sse-client.ts";

let api: TestApi;
let assistant: Assistant;

beforeAll(async () => {
  assistant = await sharedTestAssistant();
  api = await startTestApi({ assistant });
});
afterAll(async () => api?.close());

/** Asserts an RFC 9457 problem+json response with the given status and returns its body. */
async function expectProblem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const text = await res.text();
  expect(text).not.toMatch(/<html|<!DOCTYPE|\n\s+at /i);
  const body = problemSchema.parse(JSON.parse(text));
  expect(body.status).toBe(status);
  expect(body.type).toMatch(/^urn:kpo:problem:|^about:blank$/);
  expect(body.title.length).toBeGreaterThan(0);
  expect(body.requestId).toBe(res.headers.get("x-request-id"));
  return body;
}

const send = (path: string, init: RequestInit) => fetch(`${api.url}${path}`, init);

describe("400 Bad Request", () => {
  it("malformed JSON", async () => {
    const res = await send("/v1/ask", { method: "POST", headers: { "content-type": "application/json" }, body: '{"question": "KPO?' });
    const body = await expectProblem(res, 400);
    expect(body.detail).toContain("not valid JSON");
  });

  it("a JSON body that is not an object", async () => {
    const body = await expectProblem(await postJson(`${api.url}/v1/ask`, ["What is KPO?"]), 400);
    expect(body.issues?.[0]).toMatchObject({ in: "body", path: [] });
  });

  it("a missing body", async () => {
    await expectProblem(await send("/v1/ask", { method: "POST" }), 400);
  });

  it("invalid fields, each reported with its zod path and JSON pointer", async () => {
    const res = await postJson(`${api.url}/v1/ask`, { question: "x".repeat(2001), mode: "poetic", k: 0, extra: true });
    const body = await expectProblem(res, 400);
    expect(body.type).toBe("urn:kpo:problem:validation");
    const byField = Object.fromEntries(body.issues!.map((i) => [i.pointer || "(root)", i]));
    expect(byField["/question"]).toMatchObject({ in: "body", path: ["question"], code: "too_big" });
    expect(byField["/mode"]).toMatchObject({ path: ["mode"], code: "invalid_value" });
    expect(byField["/k"]).toMatchObject({ path: ["k"], code: "too_small" });
    expect(byField["(root)"]).toMatchObject({ code: "unrecognized_keys" });
  });

  it("a whitespace-only question", async () => {
    const body = await expectProblem(await postJson(`${api.url}/v1/ask`, { question: "   \n\t " }), 400);
    expect(body.issues?.[0]?.path).toEqual(["question"]);
  });

  it("invalid search query parameters (missing q, k out of range, repeated q)", async () => {
    const missing = await expectProblem(await send("/v1/search", {}), 400);
    expect(missing.issues?.[0]).toMatchObject({ in: "query", path: ["q"] });
    const badK = await expectProblem(await send("/v1/search?q=kpo&k=500", {}), 400);
    expect(badK.issues?.[0]).toMatchObject({ in: "query", path: ["k"] });
    await expectProblem(await send("/v1/search?q=kpo&k=abc", {}), 400);
    await expectProblem(await send("/v1/search?q=a&q=b", {}), 400);
  });

  it("a path that is not valid percent-encoding", async () => {
    await expectProblem(await send("/v1/glossary/%E0%A4%A", {}), 400);
  });
});

describe("404, 405, 413, 415", () => {
  it("404 for an unknown route, inside and outside /v1", async () => {
    await expectProblem(await send("/v1/nothing-here", {}), 404);
    const body = await expectProblem(await send("/index.html", {}), 404);
    expect(body.instance).toBe("/index.html");
  });

  it("405 with an Allow header for a known route and a wrong method", async () => {
    const res = await send("/v1/ask", { method: "GET" });
    const body = await expectProblem(res, 405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(body.allowed).toEqual(["POST"]);
    const del = await send("/v1/glossary/kpo", { method: "DELETE" });
    await expectProblem(del, 405);
    expect(del.headers.get("allow")).toBe("GET, HEAD");
  });

  it("413 for a body over 32 KB", async () => {
    const res = await postJson(`${api.url}/v1/ask`, { question: "What is KPO?", padding: "x".repeat(33 * 1024) });
    const body = await expectProblem(res, 413);
    expect(body.detail).toContain("32 KB");
  });

  it("a body just under 32 KB is read (and then validated)", async () => {
    const res = await postJson(`${api.url}/v1/feedback`, { answerId: "a", rating: "up", comment: "x".repeat(31 * 1024) });
    const body = await expectProblem(res, 400);
    expect(body.issues?.[0]?.path).toEqual(["comment"]);
  });

  it("415 for a body that is not JSON", async () => {
    const text = await send("/v1/ask", { method: "POST", headers: { "content-type": "text/plain" }, body: "What is KPO?" });
    await expectProblem(text, 415);
    const form = await send("/v1/feedback", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "answerId=a&rating=up" });
    await expectProblem(form, 415);
  });

  it("415 for JSON in a charset body-parser cannot read", async () => {
    const res = await send("/v1/ask", { method: "POST", headers: { "content-type": "application/json; charset=latin-9000" }, body: '{"question":"KPO?"}' });
    await expectProblem(res, 415);
  });
});

describe("requests Node's HTTP parser rejects", () => {
  it("a URL over 16 KB gets 431 problem+json, not a bare status line", async () => {
    const res = await send(`/v1/search?q=${"kpo+".repeat(5000)}`, {});
    expect(res.status).toBe(431);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 431, type: "urn:kpo:problem:headers-too-large" });
  });
});

describe("503 while the index loads", () => {
  let starting: TestApi;
  beforeAll(async () => {
    starting = await startTestApi({ assistant: () => undefined });
  });
  afterAll(async () => starting?.close());

  it("/healthz is 200 while /readyz and /v1/* are 503 problem+json with Retry-After", async () => {
    expect((await fetch(`${starting.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${starting.url}/readyz`);
    await expectProblem(ready, 503);
    expect(ready.headers.get("retry-after")).toBeTruthy();
    await expectProblem(await postJson(`${starting.url}/v1/ask`, { question: "What is KPO?" }), 503);
    await expectProblem(await fetch(`${starting.url}/v1/search?q=kpo`), 503);
  });

  it("turns ready (200) as soon as the assistant is there", async () => {
    let current: Assistant | undefined;
    const later = await startTestApi({ assistant: () => current });
    try {
      expect((await fetch(`${later.url}/readyz`)).status).toBe(503);
      current = assistant;
      expect((await fetch(`${later.url}/readyz`)).status).toBe(200);
      expect((await postJson(`${later.url}/v1/ask`, { question: "What is KPO?" })).status).toBe(200);
    } finally {
      await later.close();
    }
  });
});

describe("500 (an assistant that throws)", () => {
  let broken: TestApi;
  beforeAll(async () => {
    const fail = () => {
      throw new SecretInternalError();
    };
    broken = await startTestApi({
      assistant: fakeAssistant(testSettings(), {
        ask: async () => fail(),
        search: async () => fail(),
        askStream: async function* () {
          yield { type: "citations", citations: [] };
          fail();
        },
      }),
    });
  });
  afterAll(async () => broken?.close());

  it("answers a generic 500 problem without the message or a stack, and logs it with the request id", async () => {
    for (const res of [await postJson(`${broken.url}/v1/ask`, { question: "What is KPO?" }), await fetch(`${broken.url}/v1/search?q=kpo`)]) {
      const body = await expectProblem(res, 500);
      expect(JSON.stringify(body)).not.toContain("hunter2");
      expect(JSON.stringify(body)).not.toContain("secret");
      const requestId = res.headers.get("x-request-id");
      const logged = broken.logs.find((l) => l.msg === "unhandled error" && l.reqId === requestId);
      expect(logged).toBeDefined();
    }
  });

  it("ends a failing stream with event: error carrying a generic problem", async () => {
    const res = await postJson(`${broken.url}/v1/ask`, { question: "What is KPO?" }, { accept: "text/event-stream" });
    expect(res.status).toBe(200);
    const events = await readSse(res);
    expect(events.map((e) => e.event)).toEqual(["citations", "error"]);
    const problem = problemSchema.parse(JSON.parse(events[1]!.data));
    expect(problem.status).toBe(500);
    expect(events[1]!.data).not.toContain("hunter2");
  });
});
