import { Writable } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createMcpServer, type McpServerDeps } from "./server.ts";

/**
 * Serves MCP over this process's stdin and stdout (`kpo mcp`, started by a client such as an
 * IDE agent). Resolves when the client goes away: stdin ends, or SIGINT/SIGTERM.
 */
export async function serveStdio(deps: McpServerDeps): Promise<void> {
  const server = createMcpServer(deps);
  await server.connect(new StdioServerTransport(process.stdin, claimStdout()));
  await new Promise<void>((resolve) => {
    process.stdin.once("end", resolve);
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
}

/**
 * Stdout carries the protocol and nothing else: the transport gets its own stream onto it, and
 * anything else that writes to process.stdout (a library's console.log, a warning) goes to
 * stderr, where the client keeps the server's log, instead of corrupting a message.
 */
function claimStdout(): Writable {
  const stdout = process.stdout;
  const write = stdout.write.bind(stdout) as (chunk: unknown, done: (error?: Error | null) => void) => boolean;
  stdout.write = process.stderr.write.bind(process.stderr) as typeof stdout.write;
  return new Writable({ write: (chunk, _encoding, done) => void write(chunk, done) });
}
