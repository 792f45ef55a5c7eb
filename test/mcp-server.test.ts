import { readFile } from "node:fs/promises";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Assistant } from "../src/assistant-types.ts";
import { checkCitations } from "../src/answer/citations.ts";
import { PROBLEM_CONTENT_TYPE } from "../src/api/problem.ts";
import { createMcpHttpHandler } from "../src/mcp/http.ts";
import { answerOutput, defineOutput, searchOutput, sourcesOutput } from "../src/mcp/schemas.ts";
import { glossaryEntrySchema } from "../src/schema/glossary.ts";
import { startTestApi, type TestApi } from "./support/api-harness.ts";
import { REPO_ROOT, sharedTestAssistant } from "./support/assistant.ts";
import { tempProject } from "./support/project.ts";
import { isRunning } from "./support/processes.ts";

const TOOLS = ["ask", "compare", "define", "list_sources", "search"];

const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;
const textOf = (result: CallToolResult) =>
  result.content
    .filter((c) => c.type === "text")
    .map((c) => c.text)
    .join("\n");

/** The checks every transport must pass: the tools are listed, and "What is KPO?" is answered with citations that verify against the files. */
async function expectToolsAndCitedAnswer(client: Client, rootDir: string): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
  for (const tool of tools) {
    expect(tool.inputSchema.type).toBe("object");
    expect(tool.outputSchema?.type).toBe("object");
    expect(tool.annotations?.readOnlyHint).toBe(true);
  }

  const result = await call(client, "ask", { question: "What is KPO?" });
  expect(result.isError).toBeFalsy();
  const answer = answerOutput.parse(result.structuredContent);
  expect(answer.status).toBe("answered");
  expect(answer.citations.length).toBeGreaterThan(0);
  expect(await checkCitations(answer, rootDir)).toEqual([]);
  for (const c of answer.citations) {
    expect(c.title).not.toBe("");
    expect(c.url === null || URL.canParse(c.url)).toBe(true);
    expect(c.end).toBeGreaterThan(c.start);
  }
  // The text a person or a model reads keeps the markers with their sources under them.
  const text = textOf(result);
  expect(text).toContain(answer.answer);
  for (const c of answer.citations) expect(text).toContain(`[${c.n}] ${c.title}`);
}

describe("kpo mcp (stdio), driven by the MCP SDK's own client", () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  let transport: StdioClientTransport;
  let client: Client;
  let stderr = "";
  const clientErrors: Error[] = [];

  beforeAll(async () => {
    // A private copy of the project: the server's question log goes there, not into the shared index.
    project = await tempProject("kpo-mcp-stdio-");
    transport = new StdioClientTransport({
      command: process.execPath,
      args: [path.join(REPO_ROOT, "bin", "kpo.js"), "mcp"],
      cwd: project.root,
      // info-level logs prove that logging goes to stderr while stdout carries the protocol.
      env: { ...(process.env as Record<string, string>), LOG_LEVEL: "info", OPENAI_API_KEY: "", LLM_BASE_URL: "" },
      stderr: "pipe",
    });
    transport.stderr!.on("data", (chunk) => (stderr += String(chunk)));
    client = new Client({ name: "kpo-test-client", version: "1.0.0" });
    client.onerror = (error) => void clientErrors.push(error);
    await client.connect(transport);
  });

  afterAll(async () => {
    await client?.close();
    await project?.remove();
  });

  it("lists the five tools and answers What is KPO? with citations that verify against the files", async () => {
    await expectToolsAndCitedAnswer(client, project.root);
  });

  it("serves each cited source as a resource whose text holds the quote at its offsets", async () => {
    // A question the sources answer (a definition may be answered from the glossary alone).
    const answer = answerOutput.parse((await call(client, "ask", { question: "Who is credited with coining the term KPO?" })).structuredContent);
    const cited = answer.citations.filter((c) => c.uri?.startsWith("kpo://sources/"));
    expect(cited.length).toBeGreaterThan(0);
    for (const c of cited) {
      const { contents } = await client.readResource({ uri: c.uri! });
      const text = (contents[0] as { text: string }).text;
      expect(text).toBe(await readFile(path.join(project.root, c.path), "utf8"));
      expect(text.slice(c.start, c.end)).toBe(c.quote);
    }
  });

  it("compares two terms with cited passages", async () => {
    const result = await call(client, "compare", { a: "KPO", b: "BPO" });
    const answer = answerOutput.parse(result.structuredContent);
    expect(answer.question).toMatch(/KPO.*BPO/);
    expect(answer.status).toBe("answered");
    expect(await checkCitations(answer, project.root)).toEqual([]);
  });

  it("searches: k passages, each the verbatim slice of its file", async () => {
    const { hits } = searchOutput.parse((await call(client, "search", { query: "knowledge process outsourcing in India", k: 3 })).structuredContent);
    expect(hits).toHaveLength(3);
    for (const h of hits) expect((await readFile(path.join(project.root, h.path), "utf8")).slice(h.start, h.end)).toBe(h.text);
  });

  it("defines a term by alias, and with fuzzy the closest spelling; the definition is the slice of its glossary file", async () => {
    const exact = defineOutput.parse((await call(client, "define", { term: "k.p.o." })).structuredContent);
    expect(exact.match).toBe("exact");
    expect(exact.entry.term).toBe("Knowledge process outsourcing");
    expect((await readFile(path.join(project.root, exact.entry.path), "utf8")).slice(exact.entry.start, exact.entry.end)).toBe(exact.entry.definition);

    const closest = defineOutput.parse((await call(client, "define", { term: "outsorcing", fuzzy: true })).structuredContent);
    expect(closest.match).toBe("closest");
    const { contents } = await client.readResource({ uri: closest.uri });
    expect(glossaryEntrySchema.parse(JSON.parse((contents[0] as { text: string }).text))).toEqual(closest.entry);
  });

  it("lists the sources, each readable by its uri", async () => {
    const { count, sources } = sourcesOutput.parse((await call(client, "list_sources")).structuredContent);
    expect(count).toBe(5);
    const { resources } = await client.listResources();
    for (const s of sources) expect(resources.map((r) => r.uri)).toContain(s.uri);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual(["kpo://glossary/{slug}", "kpo://sources/{id}"]);
  });

  it("answers bad input with tool errors that say what is wrong, and an unknown resource with error -32002", async () => {
    const empty = await call(client, "ask", { question: "   " });
    expect(empty.isError).toBe(true);
    expect(textOf(empty)).toMatch(/question/);

    const tooMany = await call(client, "ask", { question: "What is KPO?", history: Array.from({ length: 11 }, () => ({ question: "q" })) });
    expect(tooMany.isError).toBe(true);
    expect(textOf(tooMany)).toMatch(/history/);

    const unknown = await call(client, "define", { term: "outsorcing" });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/^no glossary entry for "outsorcing"; did you mean "/);

    await expect(client.readResource({ uri: "kpo://sources/no-such-file.txt" })).rejects.toMatchObject({ code: -32002, message: expect.stringContaining('no source with id "no-such-file.txt"') });
  });

  it("writes nothing but protocol to stdout (its logs go to stderr) and exits when the client closes", async () => {
    expect(clientErrors).toEqual([]);
    expect(stderr).toMatch(/"msg":"embedding model warmed up"/);
    const pid = transport.pid!;
    await client.close();
    await expect.poll(() => isRunning(pid), { timeout: 10_000 }).toBe(false);
  });
});

describe("MCP over Streamable HTTP at /mcp", () => {
  const KEY = "mcp-test-key";
  let assistant: Assistant;
  let api: TestApi;
  const clients: Client[] = [];

  const connect = async (url: string, headers: Record<string, string> = {}) => {
    const client = new Client({ name: "kpo-test-client", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }));
    clients.push(client);
    return client;
  };

  /** The options each ask was given, to see the history pass through. */
  const asked: Parameters<Assistant["ask"]>[1][] = [];

  beforeAll(async () => {
    const real = await sharedTestAssistant();
    assistant = Object.assign(Object.create(real) as Assistant, {
      ask: (question: string, options?: Parameters<Assistant["ask"]>[1], context?: Parameters<Assistant["ask"]>[2]) => {
        asked.push(options);
        return real.ask(question, options, context);
      },
    });
    api = await startTestApi({ assistant, env: { API_KEYS: KEY }, mcp: createMcpHttpHandler() });
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    await api?.close();
  });

  it("lists the tools and answers What is KPO? with verifiable citations for a client with a key", async () => {
    const client = await connect(api.url, { Authorization: `Bearer ${KEY}` });
    await expectToolsAndCitedAnswer(client, REPO_ROOT);
  });

  it("passes the earlier turns of a conversation to the assistant as history", async () => {
    const client = await connect(api.url, { Authorization: `Bearer ${KEY}` });
    const history = [{ question: "What is KPO?", answer: "Knowledge process outsourcing [1]." }, { question: "And BPO?" }];
    const result = await call(client, "ask", { question: "Which one needs more expertise?", history });
    expect(result.isError).toBeFalsy();
    expect(asked.at(-1)).toEqual({ history });
    expect(await checkCitations(answerOutput.parse(result.structuredContent), REPO_ROOT)).toEqual([]);
  });

  it("refuses a client without a key, or with a wrong one, with 401 problem+json", async () => {
    await expect(connect(api.url)).rejects.toThrow(/401|nauthorized/);
    await expect(connect(api.url, { Authorization: "Bearer wrong" })).rejects.toThrow(/401|nauthorized/);

    const res = await fetch(`${api.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain(PROBLEM_CONTENT_TYPE);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("gives a tool error with the very message the API's problem+json carries", async () => {
    const client = await connect(api.url, { Authorization: `Bearer ${KEY}` });
    const result = await call(client, "define", { term: "outsorcing" });
    expect(result.isError).toBe(true);
    const problem = (await (await fetch(`${api.url}/v1/glossary/outsorcing`, { headers: { Authorization: `Bearer ${KEY}` } })).json()) as { detail: string };
    expect(textOf(result)).toBe(problem.detail);
  });

  it("answers GET and DELETE with 405 (stateless: no event stream, no session)", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(`${api.url}/mcp`, { method, headers: { Authorization: `Bearer ${KEY}`, accept: "text/event-stream" } });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
    }
  });

  it("counts MCP requests against the same rate limit as /v1", async () => {
    const limited = await startTestApi({ assistant, env: { API_KEYS: KEY, RATE_LIMIT_PER_MINUTE: "2" }, mcp: createMcpHttpHandler() });
    try {
      const headers = { Authorization: `Bearer ${KEY}` };
      for (let i = 0; i < 2; i++) expect((await fetch(`${limited.url}/v1/sources`, { headers })).status).toBe(200);
      const res = await fetch(`${limited.url}/mcp`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      expect(res.status).toBe(429);
      expect(res.headers.get("content-type")).toContain(PROBLEM_CONTENT_TYPE);
    } finally {
      await limited.close();
    }
  });
});
