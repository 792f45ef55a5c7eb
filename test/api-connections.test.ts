import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { IDLE_GRACE_MS } from "../src/api/connections.ts";
import type { Assistant } from "../src/assistant-types.ts";
import { startTestApi, type TestApi } from "./support/api-harness.ts";
import { testSettings } from "./support/assistant.ts";
import { fakeAssistant } from "./support/fake-assistant.ts";

let api: TestApi | undefined;
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await api?.close();
  api = undefined;
});

async function serve(env: Record<string, string>, overrides: Partial<Assistant> = {}): Promise<TestApi> {
  api = await startTestApi({ assistant: fakeAssistant(testSettings(), overrides), env });
  return api;
}

const portOf = (a: TestApi) => a.running.address.port;
const connections = (a: TestApi) => new Promise<number>((resolve, reject) => a.running.server.getConnections((e, n) => (e ? reject(e) : resolve(n))));

/** A connection that never sends a byte and never closes its own side. */
function idle(a: TestApi, localAddress = "127.0.0.1"): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port: portOf(a), localAddress, allowHalfOpen: true });
    socket.on("error", () => undefined); // an evicted socket may see a reset
    sockets.push(socket);
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

function get(a: TestApi, path: string, localAddress = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port: portOf(a), path, localAddress, agent: false }, (res) => {
      res.resume();
      res.once("end", () => resolve(res.statusCode!));
    });
    req.once("error", reject);
  });
}

async function until(condition: () => Promise<boolean> | boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("connections", () => {
  it("an idle connection gets 408 after HEADERS_TIMEOUT_MS and is destroyed, not left half-closed", async () => {
    const a = await serve({ HEADERS_TIMEOUT_MS: "500" });
    const socket = await idle(a);
    let received = "";
    socket.on("data", (d: Buffer) => (received += d.toString()));
    await until(() => received.includes("\r\n\r\n"), "the 408");
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(received).toMatch(/application\/problem\+json/);
    // The client keeps its side open; the server must still let the connection go.
    await until(async () => (await connections(a)) === 0, "the server to drop the socket");
    expect(socket.destroyed).toBe(false);
  });

  it("one client's idle connections cannot fill the cap: others, /healthz and /readyz included, are served, and its own new requests too", async () => {
    const a = await serve({ MAX_CONNECTIONS: "30", MAX_CONNECTIONS_PER_ADDRESS: "10", HEADERS_TIMEOUT_MS: "60000" });
    // 25 idle from one address, then 3 x 10 from three others: 55 against a cap of 30.
    for (let i = 0; i < 25; i++) await idle(a, "127.0.0.1");
    for (const address of ["127.0.0.2", "127.0.0.3", "127.0.0.4"]) for (let i = 0; i < 10; i++) await idle(a, address);
    await until(async () => (await connections(a)) <= 30, "the server to hold at most MAX_CONNECTIONS");
    // Idle for longer than a real client ever is before its request, they may now make room.
    await new Promise((r) => setTimeout(r, IDLE_GRACE_MS));
    for (const address of ["127.0.0.5", "127.0.0.1", "127.0.0.2"]) {
      expect(await get(a, "/healthz", address)).toBe(200);
      expect(await get(a, "/readyz", address)).toBe(200);
      expect(await get(a, "/v1/glossary", address)).toBe(200);
    }
    expect(await connections(a)).toBeLessThanOrEqual(30);
  });

  it("a connection serving a request is never closed to make room: a newcomer from that address is refused instead", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a = await serve({ MAX_CONNECTIONS_PER_ADDRESS: "3", HEADERS_TIMEOUT_MS: "60000" }, { search: async () => (await gate, []) });
    const busy = [0, 1, 2].map(() => get(a, "/v1/search?q=kpo", "127.0.0.6"));
    await until(async () => (await connections(a)) === 3, "three requests in flight");
    await expect(get(a, "/healthz", "127.0.0.6")).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await get(a, "/healthz", "127.0.0.7")).toBe(200);
    release();
    expect(await Promise.all(busy)).toEqual([200, 200, 200]);
  });
});
