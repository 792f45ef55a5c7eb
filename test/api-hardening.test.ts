import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Assistant } from "../src/assistant-types.ts";
import { startTestApi, type TestApi } from "./support/api-harness.ts";
import { sharedTestAssistant } from "./support/assistant.ts";

let assistant: Assistant;
beforeAll(async () => {
  assistant = await sharedTestAssistant();
});

/** Sends raw bytes and returns the raw response (until the server closes the connection). */
function raw(url: string, chunks: string[], gapMs = 0): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let out = "";
    socket.on("data", (d) => (out += d.toString()));
    socket.on("close", () => resolve(out));
    socket.on("error", reject);
    socket.on("connect", async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        socket.write(chunk);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

const problemOf = (response: string) => ({
  status: Number(response.split(" ")[1]),
  type: /content-type: ([^\r]+)/i.exec(response)?.[1],
  body: JSON.parse(response.slice(response.indexOf("\r\n\r\n") + 4)) as { status: number; detail: string },
});

describe("HTTP edge cases answer with problem+json", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ assistant, env: { REQUEST_TIMEOUT_MS: "1000", LOG_QUESTIONS: "false" } });
  });
  afterAll(async () => api.close());

  it("an empty Host header: 400", async () => {
    const p = problemOf(await raw(api.url, ["GET /healthz HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n"]));
    expect(p.status).toBe(400);
    expect(p.type).toContain("application/problem+json");
    expect(p.body.detail).toContain("Host");
  });

  it("Expect: 417-weird: 417", async () => {
    const p = problemOf(await raw(api.url, [`GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 417-weird\r\nConnection: close\r\n\r\n`]));
    expect(p.status).toBe(417);
    expect(p.type).toContain("application/problem+json");
    expect(p.body.detail).toContain("417-weird");
  });

  it("a body trickling in slower than REQUEST_TIMEOUT_MS is cut with 408", async () => {
    const head = `POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n`;
    const response = await raw(api.url, [head, ...Array.from({ length: 40 }, () => " ")], 400);
    expect(problemOf(response).status).toBe(408);
  });

  it("with LOG_QUESTIONS=false, glossary paths are logged as their route, never the term", async () => {
    const res = await fetch(`${api.url}/v1/glossary/secret-term-zebra`);
    expect(res.status).toBe(404);
    await new Promise((r) => setTimeout(r, 50));
    expect(api.logText()).not.toContain("secret-term-zebra");
    expect(api.logs.some((l) => l.path === "/v1/glossary/:term")).toBe(true);
  });
});

describe("PUBLIC_ENDPOINTS", () => {
  it("left empty with API_KEYS set: /metrics and /openapi.json need a key too", async () => {
    const api = await startTestApi({ assistant, env: { API_KEYS: "public-endpoints-key-01", PUBLIC_ENDPOINTS: "" } });
    try {
      for (const path of ["/metrics", "/openapi.json"]) {
        expect((await fetch(`${api.url}${path}`)).status, path).toBe(401);
        expect((await fetch(`${api.url}${path}`, { headers: { authorization: "Bearer public-endpoints-key-01" } })).status, path).toBe(200);
      }
      expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});
