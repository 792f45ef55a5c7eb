import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findProjectRoot, loadDotEnv, PRELOAD } from "../src/config/project.ts";
import { loadSettings } from "../src/config/settings.ts";
import { ConfigError } from "../src/errors.ts";
import { REPO_ROOT } from "./support/assistant.ts";

const run = promisify(execFile);
const kpo = (args: string[], cwd: string, env: Record<string, string> = {}) =>
  run(process.execPath, [path.join(REPO_ROOT, "bin/kpo.js"), ...args], { cwd, env: { ...process.env, LOG_LEVEL: "warn", ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "kpo-cli-docs-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("settings that cannot work stop start-up with one line naming the variable", () => {
  it("EMBEDDINGS=openai without a key or a base URL", () => {
    const error = (() => {
      try {
        loadSettings({ EMBEDDINGS: "openai" }, tmp);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe("EMBEDDINGS: openai needs OPENAI_API_KEY (or LLM_BASE_URL for a local OpenAI-compatible server); set one, or use EMBEDDINGS=use-lite");
    expect(loadSettings({ EMBEDDINGS: "openai", LLM_BASE_URL: "http://127.0.0.1:11434/v1" }, tmp).EMBEDDINGS).toBe("openai");
  });

  it("a malformed LLM_BASE_URL", () => {
    expect(() => loadSettings({ LLM_BASE_URL: "localhost:11434" }, tmp)).toThrow('LLM_BASE_URL: invalid value "localhost:11434": must be an http(s) URL such as http://127.0.0.1:11434/v1');
  });

  it("npm start prints that line and no stack trace", async () => {
    const result = await run(process.execPath, ["--import", PRELOAD, path.join(REPO_ROOT, "src/main.ts")], { cwd: REPO_ROOT, env: { ...process.env, EMBEDDINGS: "openai", OPENAI_API_KEY: "", LLM_BASE_URL: "" } }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((result as { code: number }).code).toBe(1);
    expect((result as { stderr: string }).stderr).toBe(
      "kpo: EMBEDDINGS: openai needs OPENAI_API_KEY (or LLM_BASE_URL for a local OpenAI-compatible server); set one, or use EMBEDDINGS=use-lite\n",
    );
  });
});

describe("the project folder and .env", () => {
  it("finds the project from a subfolder, or names the setting to use", async () => {
    const sub = path.join(tmp, "project", "notes", "deep");
    await mkdir(path.join(tmp, "project", "corpus", "sources"), { recursive: true });
    await mkdir(sub, { recursive: true });
    expect(findProjectRoot(sub, {})).toBe(path.join(tmp, "project"));
    expect(findProjectRoot(sub, { CORPUS_DIR: "/somewhere/corpus" })).toBe(sub);
    expect(() => findProjectRoot(os.tmpdir(), {})).toThrow(/^CORPUS_DIR: no corpus\/sources folder in .* or any folder above it; run kpo inside the project folder, or set CORPUS_DIR \(and DATA_DIR\)/);
  });

  it("loads .env without overriding the real environment", async () => {
    const dir = path.join(tmp, "dotenv");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, ".env"), "KPO_TEST_FROM_FILE=file\nKPO_TEST_BOTH=file\n");
    process.env.KPO_TEST_BOTH = "environment";
    try {
      loadDotEnv(dir);
      expect(process.env.KPO_TEST_FROM_FILE).toBe("file");
      expect(process.env.KPO_TEST_BOTH).toBe("environment");
    } finally {
      delete process.env.KPO_TEST_FROM_FILE;
      delete process.env.KPO_TEST_BOTH;
    }
  });
});

describe("kpo version, glossary and add from any folder", () => {
  it("prints the package version", async () => {
    const { stdout } = await kpo(["--version"], tmp);
    expect(stdout.trim()).toBe((JSON.parse(await readFile(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version);
  });

  it("shows a glossary term from a subfolder of the project, and the closest entry for a typo, saying so", async () => {
    const term = await kpo(["glossary", "K.P.O."], path.join(REPO_ROOT, "src", "cli"));
    expect(term.code).toBe(0);
    expect(term.stdout).toMatch(/^Knowledge process outsourcing/);
    expect(term.stdout).toMatch(/\ncorpus\/glossary\/[\w-]+\.md \[\d+:\d+\]\n$/);
    const typo = await kpo(["glossary", "outsorcing"], REPO_ROOT);
    expect(typo.code).toBe(0);
    expect(typo.stderr).toBe('kpo: no glossary term "outsorcing"; showing the closest, Outsourcing\n');
    expect(typo.stdout).toMatch(/^Outsourcing \(outsource, contracting out\)\n\nOutsourcing is /);
    const nothingClose = await kpo(["glossary", "zqxjvwkpt"], REPO_ROOT);
    expect(nothingClose.code).toBe(1);
    expect(nothingClose.stderr).toBe('kpo: no glossary term "zqxjvwkpt" and none close to it; kpo glossary lists them\n');
  }, 60_000);

  it("says which setting to use when run outside any project", async () => {
    const result = await kpo(["glossary"], tmp);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^kpo: CORPUS_DIR: no corpus\/sources folder in /);
  });

  it("reports an unknown extension clearly and changes nothing", async () => {
    const project = path.join(tmp, "project");
    await writeFile(path.join(project, "corpus", "sources.json"), "[]\n");
    await writeFile(path.join(tmp, "deck.pptx"), "not a document");
    const result = await kpo(["add", path.join(tmp, "deck.pptx")], project);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("kpo: corpus/sources/deck.pptx: is not a supported format (.pptx); supported: .txt, .md, .markdown, .html, .htm, .pdf, .docx\n");
    expect(await readFile(path.join(project, "corpus", "sources.json"), "utf8")).toBe("[]\n");
  });
});
