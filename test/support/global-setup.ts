import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { createAssistant } from "../../src/assistant.ts";
import { loadSettings } from "../../src/config/settings.ts";

declare module "vitest" {
  export interface ProvidedContext {
    sharedDataDir: string;
    /** Parent of the question-log/feedback folders test assistants write to; removed after the run. */
    storeRoot: string;
  }
}

/** Builds the real index once per test run; every test file then only loads it. */
export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "kpo-test-index-"));
  const root = path.resolve(import.meta.dirname, "../..");
  const assistant = await createAssistant(loadSettings({ DATA_DIR: dataDir, LOG_LEVEL: "silent" }, root));
  await assistant.close();
  project.provide("sharedDataDir", dataDir);
  const storeRoot = await mkdtemp(path.join(os.tmpdir(), "kpo-test-stores-"));
  project.provide("storeRoot", storeRoot);
  return async () => {
    await rm(dataDir, { recursive: true, force: true });
    await rm(storeRoot, { recursive: true, force: true });
  };
}
