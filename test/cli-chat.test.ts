import { execFile, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerSchema } from "../src/schema/answer.ts";
import { REPO_ROOT } from "./support/assistant.ts";
import { tempProject } from "./support/project.ts";

/**
 * `kpo chat` and `kpo ask --history` as a user or a script runs them: the real CLI in a child
 * process over a private copy of the project (corpus and the built index), driven through stdin.
 */
let project: Awaited<ReturnType<typeof tempProject>>;
/** The environment of a user in the project folder: its own corpus/ and data/, whatever this process was given. */
const env = () => {
  const { DATA_DIR: _data, CORPUS_DIR: _corpus, ...rest } = process.env;
  return { ...rest, LOG_LEVEL: "warn" };
};

beforeAll(async () => {
  project = await tempProject("kpo-cli-chat-");
});
afterAll(async () => {
  await project?.remove();
});

/** Runs `kpo chat`, writes the lines to its stdin and closes it (Ctrl-D at a terminal). */
function chat(lines: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin/kpo.js"), "chat"], { cwd: project.root, env: env() });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(lines.map((l) => `${l}\n`).join(""));
  });
}

const kpo = (args: string[]) =>
  promisify(execFile)(process.execPath, [path.join(REPO_ROOT, "bin/kpo.js"), ...args], { cwd: project.root, env: env() }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe("kpo chat", () => {
  it("answers each line with the earlier ones as history, says what a follow-up was resolved to, and /new starts over", async () => {
    const { code, stdout, stderr } = await chat(["What is NASSCOM?", "what did it estimate the Indian KPO market at?", "/new", "What are the risks of offshoring?", "and the benefits?"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const [, followUp, afterNew] = stdout.split(/^New conversation\.$/m)[0]!.split(/\n(?=Answering: )/);
    expect(followUp).toMatch(/^Answering: What did NASSCOM estimate the Indian KPO market at\?\n/);
    expect(followUp).toContain("$1.5 billion");
    expect(followUp).toMatch(/^Sources:$/m);
    expect(afterNew).toBeUndefined();
    // The conversation after /new has its own subject.
    expect(stdout.split(/^New conversation\.$/m)[1]).toMatch(/^Answering: What are the benefits of offshoring\?$/m);
    expect(stdout.match(/^Answering: /gm)).toHaveLength(2);
  }, 120_000);
});

describe("kpo ask --history", () => {
  it("answers a follow-up from a history file (the text rendering is kpo chat's, above)", async () => {
    const file = path.join(project.root, "history.json");
    await writeFile(file, JSON.stringify([{ question: "What is offshoring?" }]));
    const json = await kpo(["ask", "what are the risks of it?", "--history", file, "--json"]);
    expect(json.code).toBe(0);
    const answer = answerSchema.parse(JSON.parse(json.stdout));
    expect(answer).toMatchObject({ question: "what are the risks of it?", resolvedQuestion: "What are the risks of offshoring?", status: "answered" });
  }, 120_000);

  it.each([
    ["not JSON", "What is offshoring?", /cannot be read as JSON/],
    ["more than 10 turns", JSON.stringify(Array.from({ length: 11 }, () => ({ question: "What is KPO?" }))), /at most 10/],
  ])("rejects a history file that is %s, naming the file", async (_name, content, message) => {
    const file = path.join(project.root, "bad-history.json");
    await writeFile(file, content);
    const result = await kpo(["ask", "and its risks?", "--history", file]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(file);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
  });
});
