import { execFile, spawn } from "node:child_process";
import { access, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { safeSourceName } from "../src/corpus/library.ts";
import { REPO_ROOT } from "./support/assistant.ts";
import { tempProject } from "./support/project.ts";

const KPO = path.join(REPO_ROOT, "bin/kpo.js");
const NAME = "ünïcödé-文档.txt";
// Enough new sentences that embedding them takes a while after the file is placed.
const TEXT = Array.from(
  { length: 60 },
  (_, i) => `Clause ${i + 1} of the Acme sourcing charter says that vendor analysts in delivery centre ${i + 1} review service level number ${i + 7} every ${i + 2} weeks.`,
).join("\n\n");

let project: Awaited<ReturnType<typeof tempProject>>;
let source: string;

beforeAll(async () => {
  project = await tempProject("kpo-add-interrupt-");
  source = path.join(project.root, NAME);
  await writeFile(source, TEXT);
}, 120_000);
afterAll(async () => {
  await project?.remove();
});

const exists = (file: string) => access(file).then(() => true, () => false);
const current = () => readFile(path.join(project.settings.DATA_DIR, "CURRENT"), "utf8");

describe("kpo add", () => {
  it("keeps a file name's Unicode (NFC), dropping only separators and control characters", () => {
    expect(safeSourceName(NAME)).toBe(NAME);
    expect(safeSourceName("u\u0308nïcödé-文档.txt")).toBe(NAME); // decomposed ü, composed
    expect(safeSourceName("../../etc/passwd")).toBe("passwd");
    expect(safeSourceName("C:\\Users\\me\\Rapport final (v2).PDF")).toBe("Rapport-final-v2.pdf");
    expect(safeSourceName("bad\u0000name\u202e.md")).toBe("bad-name.md");
    expect(Buffer.byteLength(safeSourceName(`${"文".repeat(200)}.txt`))).toBeLessThanOrEqual(200);
  });

  it("interrupted with Ctrl-C after copying the file, before publishing: the file and its sources.json entry are gone, the index unchanged", async () => {
    const sourcesJson = await readFile(path.join(project.settings.CORPUS_DIR, "sources.json"), "utf8");
    const published = await current();
    const placed = path.join(project.settings.CORPUS_DIR, "sources", NAME);
    const child = spawn(process.execPath, [KPO, "add", source], { cwd: project.root, env: { ...process.env, LOG_LEVEL: "warn" }, stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let sawFile = false;
    while (child.exitCode === null) {
      if (await exists(placed)) {
        sawFile = true;
        child.kill("SIGINT");
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const code = await exited;
    expect(sawFile).toBe(true);
    expect(code).toBe(130);
    expect(await current()).toBe(published);
    expect(await exists(placed)).toBe(false);
    expect(await readFile(path.join(project.settings.CORPUS_DIR, "sources.json"), "utf8")).toBe(sourcesJson);
    expect((await readdir(path.join(project.settings.CORPUS_DIR, "sources"))).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  }, 120_000);

  it("run to the end, adds the file under its own name", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [KPO, "add", source], { cwd: project.root, env: { ...process.env, LOG_LEVEL: "warn" } });
    expect(stdout).toMatch(new RegExp(`^Added ${NAME} \\(text\\)`));
    expect(await exists(path.join(project.settings.CORPUS_DIR, "sources", NAME))).toBe(true);
  }, 180_000);
});
