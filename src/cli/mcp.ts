import type { Logger } from "pino";
import type { Settings } from "../config/settings.ts";
import { createLiveAssistant } from "../live-assistant.ts";
import { serveStdio } from "../mcp/stdio.ts";

/**
 * `kpo mcp`: the MCP server on stdin/stdout for a client that starts it as a command. It
 * answers `initialize` at once and each call once the index has loaded (built first when
 * missing), and follows indexes that `kpo add` or `kpo ingest` publish while it runs. Logs go
 * to stderr; a failure to load ends it with the reason there, like any kpo command.
 */
export async function mcpCommand(ctx: { settings: Settings; logger: Logger }): Promise<void> {
  const live = createLiveAssistant(ctx.settings, { logger: ctx.logger });
  const loaded = live.start();
  const failed = loaded.then(() => new Promise<never>(() => {}));
  try {
    // live.assistant forwards each call to the index loaded last.
    await Promise.race([serveStdio({ assistant: () => loaded.then(() => live.assistant), logger: ctx.logger }), failed]);
  } finally {
    await live.close();
  }
  // The client is gone: end now, even while a first-start build is still running (an index is
  // published atomically, so an abandoned build leaves nothing half-written; the next start builds it).
  process.exit(0);
}
