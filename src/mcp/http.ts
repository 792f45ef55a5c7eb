import type { IncomingMessage, ServerResponse } from "node:http";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { Assistant } from "../assistant-types.ts";
import type { Logger } from "../logger.ts";
import { createMcpServer } from "./server.ts";

/**
 * MCP over Streamable HTTP, for the API app to mount at /mcp (behind its API keys, rate limits
 * and readiness check). Stateless: each POST gets a server and transport of its own and the
 * answer as JSON, so any replica can serve any request and nothing is kept between them.
 */
export function createMcpHttpHandler(): (req: IncomingMessage, res: ServerResponse, request: { body: unknown; assistant: Assistant; log: Logger }) => Promise<void> {
  return async (req, res, { body, assistant, log }) => {
    const server = createMcpServer({ assistant: async () => assistant, logger: log });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.once("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };
}
