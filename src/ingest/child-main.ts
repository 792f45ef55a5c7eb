/**
 * Entry point of the ingest child process (see child.ts): receives the parent's settings,
 * builds and publishes the index, reports progress, warnings and the outcome, then exits.
 */
import type { Settings } from "../config/settings.ts";
import { createEmbedder } from "../embed/factory.ts";
import type { ChildMessage } from "./child.ts";
import { indexOptionsFromSettings } from "../store/index-options.ts";
import { ingest } from "./pipeline.ts";

const send = (message: ChildMessage) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

process.once("message", async ({ settings }: { settings: Settings }) => {
  const embedder = createEmbedder(settings);
  // The parent holds the build lock; the child uses PostgreSQL's vector cache when DATABASE_URL is set.
  const { openVectorCache, close } = indexOptionsFromSettings(settings);
  try {
    const summary = await ingest(settings, embedder, {
      onProgress: (progress) => void send({ type: "progress", progress }),
      warn: (message) => void send({ type: "warn", message }),
      ...(openVectorCache ? { openVectorCache } : {}),
    });
    await send({ type: "done", summary });
  } catch (error) {
    const e = error as Error & { file?: string };
    await send({ type: "error", error: { name: e.name ?? "Error", message: e.message ?? String(error), file: e.file } });
  } finally {
    await embedder.close?.();
    await close().catch(() => undefined);
    // The model runtime may keep handles open; the outcome has been sent.
    process.exit(0);
  }
});
