import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { createApp } from "../../src/api/app.ts";
import { createMetrics } from "../../src/api/metrics.ts";
import { startServer, type RunningServer } from "../../src/api/server.ts";
import { loadSettings, type Settings } from "../../src/config/settings.ts";
import type { DocumentService } from "../../src/ingest/documents.ts";
import type { LiveAssistant } from "../../src/live-assistant.ts";
import { memoryLogger } from "./api-harness.ts";
import { REPO_ROOT } from "./assistant.ts";

/**
 * A private copy of the project (corpus/ and the index the global setup built, vector cache
 * included) in a temp folder, so a test can add and remove documents without touching the
 * repository's corpus, and start without re-embedding anything.
 */
export async function tempProject(prefix: string, env: Record<string, string> = {}): Promise<{ root: string; settings: Settings; remove(): Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), prefix));
  await cp(path.join(REPO_ROOT, "corpus"), path.join(root, "corpus"), { recursive: true });
  await cp(inject("sharedDataDir"), path.join(root, "data"), { recursive: true });
  const settings = loadSettings({ LOG_LEVEL: "silent", HOST: "127.0.0.1", PORT: "0", RATE_LIMIT_PER_MINUTE: "1000000", ...env }, root);
  return { root, settings, remove: () => rm(root, { recursive: true, force: true }) };
}

/** The real app on an ephemeral port over a live assistant, with logs kept in memory. */
export async function serveLive(settings: Settings, live: LiveAssistant, documents?: DocumentService): Promise<{ url: string; running: RunningServer; logs: () => Record<string, unknown>[] }> {
  const { logger, logs } = memoryLogger();
  const app = createApp({ settings, logger, metrics: createMetrics({ defaultMetrics: false }), assistant: live.current, documents });
  const running = await startServer({ app, settings, logger });
  return { url: running.url, running, logs };
}
