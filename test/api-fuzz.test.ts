import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerResponseSchema, problemSchema, searchResponseSchema } from "../src/api/schemas.ts";
import { startTestApi, type TestApi } from "./support/api-harness.ts";
import { sharedTestAssistant } from "./support/assistant.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ assistant: await sharedTestAssistant({ ANSWER_CACHE_SIZE: "0" }) });
});
afterAll(async () => api?.close());

/** Never a 5xx, always JSON (an Answer / search result on 200, a problem otherwise). */
async function expectJsonNot5xx(res: Response, ok: (body: unknown) => void): Promise<void> {
  const text = await res.text();
  expect(res.status, text).toBeLessThan(500);
  const type = res.headers.get("content-type") ?? "";
  if (res.status < 300) {
    expect(type).toMatch(/^application\/json/);
    ok(JSON.parse(text));
  } else {
    expect(type).toMatch(/^application\/problem\+json/);
    expect(problemSchema.parse(JSON.parse(text)).status).toBe(res.status);
  }
}

const askRaw = (body: string, contentType = "application/json") =>
  fetch(`${api.url}/v1/ask`, { method: "POST", headers: { "content-type": contentType }, body });

const text = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }), fc.constantFrom("KPO", "What is BPO?", "k.p.o.", "🤖 outsourcing?", "\u0000", " ", "%s%n"));

describe("fuzz: POST /v1/ask", () => {
  it("any JSON value as the body", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        await expectJsonNot5xx(await askRaw(JSON.stringify(value)), (body) => answerResponseSchema.parse(body));
      }),
      { numRuns: 120 },
    );
  });

  it("objects shaped like a request, with random question, mode and k", async () => {
    const request = fc.record(
      {
        question: fc.oneof(text, fc.anything()),
        mode: fc.oneof(fc.constantFrom("deterministic", "llm", "LLM", ""), fc.anything()),
        k: fc.oneof(fc.integer({ min: -5, max: 30 }), fc.double(), fc.string(), fc.constant(null)),
      },
      { requiredKeys: ["question"] },
    );
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(request, async (value) => {
        const res = await askRaw(JSON.stringify(value));
        seen.add(res.status);
        await expectJsonNot5xx(res, (body) => answerResponseSchema.parse(body));
      }),
      { numRuns: 150 },
    );
    // The generator reaches both the assistant (200) and validation (400).
    expect(seen).toContain(200);
    expect(seen).toContain(400);
  });

  it("random strings as the body, under random content types", async () => {
    await fc.assert(
      fc.asyncProperty(text, fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "application/vnd.api+json"), async (body, type) => {
        await expectJsonNot5xx(await askRaw(body, type), (b) => answerResponseSchema.parse(b));
      }),
      { numRuns: 150 },
    );
  });
});

describe("fuzz: GET /v1/search", () => {
  const safe = (s: string) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, "?"));
  const rawBytes = fc.uint8Array({ maxLength: 24 }).map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""));

  it("random q and k values, including invalid UTF-8 percent-escapes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(text.map(safe), rawBytes), fc.option(fc.oneof(fc.integer({ min: -3, max: 60 }).map(String), text.map(safe), rawBytes)), async (q, k) => {
        const res = await fetch(`${api.url}/v1/search?q=${q}${k === null ? "" : `&k=${k}`}`);
        await expectJsonNot5xx(res, (body) => searchResponseSchema.parse(body));
      }),
      { numRuns: 150 },
    );
  });

  it("random glossary terms and source ids in the path", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("/v1/glossary/", "/v1/sources/"), fc.oneof(text.filter((s) => s.length > 0).map(safe), rawBytes.filter((s) => s.length > 0)), async (prefix, segment) => {
        const res = await fetch(`${api.url}${prefix}${segment}`);
        expect(res.status).toBeLessThan(500);
        expect(res.headers.get("content-type")).toMatch(/^application\/(problem\+)?json/);
        JSON.parse(await res.text());
      }),
      { numRuns: 100 },
    );
  });
});
