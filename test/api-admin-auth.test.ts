import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "../src/api/auth.ts";
import { problemHandler } from "../src/api/problem.ts";
import { ConfigError } from "../src/errors.ts";

const USER_KEY = "user-key-0123456789abcdef";
const ADMIN_KEY = "admin-key-0123456789abcdef";

async function serve(settings: { API_KEYS: string[]; ADMIN_API_KEYS: string[] }) {
  const auth = createAuth(settings);
  const app = express();
  app.use(auth.identify);
  app.get("/ask", auth.enforce, (_req, res) => void res.json({ ok: true }));
  app.get("/admin", auth.requireAdmin, (_req, res) => void res.json({ admin: true }));
  app.use(problemHandler);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = (path: string, key?: string) => fetch(url + path, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { server, get };
}

describe("admin endpoints need an ADMIN_API_KEYS key", () => {
  let api: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    api = await serve({ API_KEYS: [USER_KEY], ADMIN_API_KEYS: [ADMIN_KEY] });
  });
  afterAll(() => api.server.close());

  it("lets an admin key through admin routes and ordinary routes", async () => {
    expect((await api.get("/admin", ADMIN_KEY)).status).toBe(200);
    expect((await api.get("/ask", ADMIN_KEY)).status).toBe(200);
  });

  it("answers 403 problem+json to an ordinary API key", async () => {
    const res = await api.get("/admin", USER_KEY);
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(((await res.json()) as { detail: string }).detail).toContain("ADMIN_API_KEYS");
  });

  it("answers 401 with a challenge when no key or a wrong key is sent", async () => {
    const none = await api.get("/admin");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect((await api.get("/admin", "not-a-key")).status).toBe(401);
  });
});

describe("admin endpoints without ADMIN_API_KEYS", () => {
  it("are turned off (403 naming the setting) even for an open API", async () => {
    const api = await serve({ API_KEYS: [], ADMIN_API_KEYS: [] });
    try {
      expect((await api.get("/ask")).status).toBe(200);
      const res = await api.get("/admin", "anything");
      expect(res.status).toBe(403);
      expect(((await res.json()) as { detail: string }).detail).toContain("set ADMIN_API_KEYS");
    } finally {
      api.server.close();
    }
  });

  it("refuses an admin key containing whitespace at construction, naming the setting", () => {
    expect(() => createAuth({ API_KEYS: [], ADMIN_API_KEYS: ["two words"] })).toThrow(/ADMIN_API_KEYS/);
    expect(() => createAuth({ API_KEYS: [], ADMIN_API_KEYS: ["two words"] })).toThrow(ConfigError);
  });
});
