import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.ts";
import { createMetrics } from "../src/api/metrics.ts";
import { startTestApi, type TestApi } from "./support/api-harness.ts";
import { sharedTestAssistant, testSettings } from "./support/assistant.ts";
import { pino } from "pino";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let api: TestApi;
let doc: Json;

beforeAll(async () => {
  api = await startTestApi({ assistant: await sharedTestAssistant(), env: { API_KEYS: "openapi-test-key-123456" } });
  const res = await fetch(`${api.url}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  doc = (await res.json()) as Json;
});
afterAll(async () => api?.close());

const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"];

function operations(document: Json): { method: string; path: string; op: Json }[] {
  return Object.entries(document.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ method, path, op: op as Json })),
  );
}

/** (method, path) of every route express actually serves, read from the app's router. */
function expressRoutes(): string[] {
  const app = createApp({ settings: testSettings(), logger: pino({ level: "silent" }), metrics: createMetrics({ defaultMetrics: false }), assistant: () => undefined });
  const stack = (app as unknown as { router: { stack: { route?: { path: string; stack: { method?: string }[] } }[] } }).router.stack;
  // An admin route has two layers (the admin guard, then the handler): count it once.
  return [...new Set(stack.flatMap((layer) =>
    layer.route
      ? layer.route.stack
          .map((l) => l.method)
          .filter((m): m is string => m !== undefined && m !== "_all")
          .map((m) => `${m} ${layer.route!.path.replace(/:(\w+)/g, "{$1}")}`)
      : [],
  ))];
}

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document with info, paths and components", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
    expect(doc.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: "http", scheme: "bearer" }));
  });

  it("covers every route the app serves, and nothing else", () => {
    const documented = operations(doc).map(({ method, path }) => `${method} ${path}`).sort();
    // An admin route has two layers for its method (the admin guard, then the handler): one operation.
    expect(documented).toEqual([...new Set(expressRoutes())].sort());
    expect(documented).toEqual(
      [
        "get /healthz",
        "get /metrics",
        "get /openapi.json",
        "get /readyz",
        "get /v1/glossary",
        "get /v1/glossary/{term}",
        "get /v1/search",
        "get /v1/sources",
        "get /v1/sources/{id}",
        "get /v1/sources/{id}/text",
        "get /v1/sources/{id}/original",
        "get /v1/documents",
        "post /v1/documents",
        "delete /v1/documents/{id}",
        "post /v1/ask",
        "post /v1/feedback",
        "patch /v1/feedback/{id}",
        "get /v1/feedback",
        "get /v1/gaps",
        "post /v1/gaps/{id}/resolve",
        "get /v1/answers/{id}",
        "get /v1/quiz",
      ].sort(),
    );
  });

  it("resolves every $ref", () => {
    const refs: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [key, value] of Object.entries(node)) {
          if (key === "$ref" && typeof value === "string") refs.push(value);
          else walk(value);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      expect(ref, ref).toMatch(/^#\//);
      const target = ref
        .slice(2)
        .split("/")
        .reduce<unknown>((node, part) => (node as Json | undefined)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
      expect(target, ref).toBeDefined();
    }
  });

  it("gives every operation a unique operationId, a summary, responses with descriptions, and its path parameters", () => {
    const ids = new Set<string>();
    for (const { method, path, op } of operations(doc)) {
      const where = `${method} ${path}`;
      expect(op.operationId, where).toEqual(expect.any(String));
      expect(ids.has(op.operationId), where).toBe(false);
      ids.add(op.operationId);
      expect(op.summary, where).toEqual(expect.any(String));
      const responses = Object.entries(op.responses as Json);
      expect(responses.length, where).toBeGreaterThan(0);
      for (const [status, response] of responses) {
        expect(status, where).toMatch(/^[1-5]\d\d$/);
        expect((response as Json).description, `${where} ${status}`).toEqual(expect.any(String));
        for (const media of Object.values(((response as Json).content ?? {}) as Json)) expect((media as Json).schema, `${where} ${status}`).toBeDefined();
      }
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = ((op.parameters ?? []) as Json[]).filter((p) => p.in === "path");
      expect(declared.map((p) => p.name).sort(), where).toEqual(templated);
      for (const p of declared) expect(p.required, where).toBe(true);
    }
  });

  it("documents problem+json for the error statuses of each /v1 route, and bearer auth on /v1 only", () => {
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    for (const { method, path, op } of operations(doc)) {
      const where = `${method} ${path}`;
      if (path.startsWith("/v1/")) {
        // Admin endpoints (documents, feedback listing, gaps and their resolution) need an ADMIN_API_KEYS key; the others the ordinary bearer key.
        const admin = path.startsWith("/v1/documents") || path.startsWith("/v1/gaps") || where === "get /v1/feedback";
        expect(op.security, where).toEqual(admin ? [{ adminBearerAuth: [] }] : undefined);
        for (const status of ["401", "429", "500", "503"]) {
          expect(op.responses[status]?.content?.["application/problem+json"]?.schema?.$ref, `${where} ${status}`).toBe("#/components/schemas/Problem");
        }
        if (method === "post") for (const status of ["400", "413", "415"]) expect(op.responses[status], `${where} ${status}`).toBeDefined();
      } else {
        expect(op.security, where).toEqual([]);
      }
    }
  });

  it("derives request and response schemas from the zod schemas the routes validate with", () => {
    const ask = doc.paths["/v1/ask"].post;
    expect(ask.requestBody.content["application/json"].schema.$ref).toBe("#/components/schemas/AskRequest");
    expect(Object.keys(ask.responses["200"].content).sort()).toEqual(["application/json", "text/event-stream"]);
    expect(ask.responses["200"].content["application/json"].schema.$ref).toBe("#/components/schemas/Answer");
    const askRequest = doc.components.schemas.AskRequest;
    expect(askRequest.required).toEqual(["question"]);
    expect(askRequest.additionalProperties).toBe(false);
    expect(askRequest.properties.question).toMatchObject({ type: "string", minLength: 1, maxLength: 2000 });
    expect(askRequest.properties.k).toMatchObject({ type: "integer", minimum: 1, maximum: 20 });
    expect(askRequest.properties.mode.enum).toEqual(["deterministic", "llm"]);
    const answer = doc.components.schemas.Answer;
    expect(answer.properties.status.enum).toEqual(["answered", "not_found", "refused"]);
    expect(Object.keys(answer.properties)).toEqual(expect.arrayContaining(["id", "question", "answer", "citations", "mode", "timings"]));
    const search = doc.paths["/v1/search"].get;
    expect(search.parameters.map((p: Json) => `${p.in}:${p.name}:${p.required}`).sort()).toEqual(["query:k:false", "query:mode:false", "query:q:true"]);
    expect(search.parameters.find((p: Json) => p.name === "k").schema).toMatchObject({ minimum: 1, maximum: 100 });
    expect(doc.components.schemas.FeedbackInput.properties.rating.enum).toEqual(["up", "down"]);
    for (const name of ["Answer", "Citation", "SearchHit", "GlossaryEntry", "SourceInfo", "SourceDetail", "FeedbackInput", "FeedbackRecord", "Problem", "SseCitationsEvent", "SseDeltaEvent"]) {
      expect(doc.components.schemas[name], name).toBeDefined();
    }
  });

  it("leaves operations open in the document when no API keys are configured", async () => {
    const open = await startTestApi({ assistant: () => undefined });
    try {
      const openDoc = (await (await fetch(`${open.url}/openapi.json`)).json()) as Json;
      expect(openDoc.security).toEqual([]);
    } finally {
      await open.close();
    }
  });
});
