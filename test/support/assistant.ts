import { mkdtempSync } from "node:fs";
import path from "node:path";
import { inject } from "vitest";
import { createAssistant, type Assistant } from "../../src/assistant.ts";
import { loadSettings, type Settings } from "../../src/config/settings.ts";
import { openSharedState } from "../../src/store/index.ts";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

/** Settings for tests: the shared, already-built index and silent logs, plus any overrides. */
export function testSettings(overrides: Record<string, string> = {}): Settings {
  return loadSettings({ DATA_DIR: inject("sharedDataDir"), LOG_LEVEL: "silent", ...overrides }, REPO_ROOT);
}

const cache = new Map<string, Promise<Assistant>>();

/**
 * A REAL assistant over the real corpus and real embedding model, loading the index the
 * global setup built. Its question log and feedback go to `storeDir` (a fresh temp folder by
 * default), so test files never write into the shared index folder. Overrides must not change
 * ingestion settings (INCLUDE_COMMENTS, EMBEDDINGS, CORPUS_DIR, DATA_DIR).
 */
export function testAssistant(overrides: Record<string, string> = {}, storeDir?: string): Promise<Assistant> {
  const settings = testSettings(overrides);
  const dir = storeDir ?? mkdtempSync(path.join(inject("storeRoot"), "store-"));
  return createAssistant(settings, { shared: openSharedState({ ...settings, DATA_DIR: dir }) });
}

/** One real assistant per set of overrides, shared by the tests of a file. */
export function sharedTestAssistant(overrides: Record<string, string> = {}): Promise<Assistant> {
  const key = JSON.stringify(overrides);
  let assistant = cache.get(key);
  if (!assistant) {
    assistant = testAssistant(overrides);
    cache.set(key, assistant);
  }
  return assistant;
}

/** The real assistant with every `ask` reported to `onAsk` first (every other member is the real one, bound to it). */
export function recordingAsks(real: Assistant, onAsk: (question: string, options: Parameters<Assistant["ask"]>[1]) => void): Assistant {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "ask") {
        return (question: string, options?: Parameters<Assistant["ask"]>[1], context?: Parameters<Assistant["ask"]>[2]) => {
          onAsk(question, options);
          return target.ask(question, options, context);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
