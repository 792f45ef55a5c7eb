import path from "node:path";
import { inject } from "vitest";
import { createAssistant, type Assistant } from "../../src/assistant.ts";
import { loadSettings, type Settings } from "../../src/config/settings.ts";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

/** Settings for tests: the shared, already-built index and silent logs, plus any overrides. */
export function testSettings(overrides: Record<string, string> = {}): Settings {
  return loadSettings({ DATA_DIR: inject("sharedDataDir"), LOG_LEVEL: "silent", ...overrides }, REPO_ROOT);
}

const cache = new Map<string, Promise<Assistant>>();

/**
 * A REAL assistant over the real corpus and real embedding model, loading the index the
 * global setup built. Overrides must not change ingestion settings (INCLUDE_COMMENTS,
 * EMBEDDINGS, CORPUS_DIR, DATA_DIR): those would rebuild the shared index.
 */
export function sharedTestAssistant(overrides: Record<string, string> = {}): Promise<Assistant> {
  const key = JSON.stringify(overrides);
  let assistant = cache.get(key);
  if (!assistant) {
    assistant = createAssistant(testSettings(overrides));
    cache.set(key, assistant);
  }
  return assistant;
}
