import { cp, readdir, readFile, readlink, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLiveAssistant, type LiveAssistant } from "../src/live-assistant.ts";
import { serveLive, tempProject } from "./support/project.ts";

const RELOADS = 100;
const WARM_UP = 10;
const QUESTIONS = ["What is KPO?", "kpo vs bpo?", "What does BPO stand for?", "Why do companies outsource?"];

let project: Awaited<ReturnType<typeof tempProject>>;
let live: LiveAssistant;
let api: Awaited<ReturnType<typeof serveLive>>;

beforeAll(async () => {
  project = await tempProject("kpo-reload-soak-");
  live = createLiveAssistant(project.settings, { pollMs: 0 });
  await live.start();
  api = await serveLive(project.settings, live);
}, 180_000);
afterAll(async () => {
  await api?.running.shutdown("test");
  await live?.close();
  await project?.remove();
});

/** What this process holds: resident memory, threads, open file descriptors and those on deleted files. */
async function resources() {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  const status = await readFile("/proc/self/status", "utf8");
  const fds = await readdir("/proc/self/fd");
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => "")));
  return {
    rssMb: Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024,
    threads: (await readdir("/proc/self/task")).length,
    fds: fds.length,
    deleted: targets.filter((t) => t.endsWith("(deleted)")),
  };
}

/** Publishes the served index again under a new name, as a build does (the old directory removed). */
async function republish(i: number): Promise<void> {
  const dataDir = project.settings.DATA_DIR;
  const old = (await readFile(path.join(dataDir, "CURRENT"), "utf8")).trim();
  const name = `index-soak-${String(i).padStart(3, "0")}`;
  await cp(path.join(dataDir, old), path.join(dataDir, name), { recursive: true });
  await writeFile(path.join(dataDir, "CURRENT.tmp"), `${name}\n`);
  await rename(path.join(dataDir, "CURRENT.tmp"), path.join(dataDir, "CURRENT"));
  await rm(path.join(dataDir, old), { recursive: true, force: true });
}

describe(`${RELOADS} live reloads under /v1/ask traffic`, () => {
  it("release what they replace: resident memory, threads and file handles stay flat, no request fails", async () => {
    let stop = false;
    let answered = 0;
    const failures: string[] = [];
    const client = async (n: number) => {
      for (; !stop; n++) {
        const res = await fetch(`${api.url}/v1/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: QUESTIONS[n % QUESTIONS.length] }) }).catch(
          (e: Error) => e,
        );
        if (res instanceof Error || res.status !== 200) failures.push(res instanceof Error ? res.message : `ask ${res.status}`);
        else answered++;
        if (!(res instanceof Error)) await res.arrayBuffer();
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const load = [client(0), client(1), client(2)];
    let before: Awaited<ReturnType<typeof resources>> | undefined;
    try {
      for (let i = 0; i < RELOADS + WARM_UP; i++) {
        if (i === WARM_UP) before = await resources();
        await republish(i);
        expect(await live.reload()).toBe(true);
      }
    } finally {
      stop = true;
      await Promise.all(load);
    }
    // The last replaced index closes once its last request is done.
    await new Promise((r) => setTimeout(r, 200));
    const after = await resources();
    console.log(`${RELOADS} reloads, ${answered} answers: RSS ${before!.rssMb.toFixed(0)} -> ${after.rssMb.toFixed(0)} MB, threads ${before!.threads} -> ${after.threads}, fds ${before!.fds} -> ${after.fds}`);

    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(RELOADS);
    // One index is open before and after. Leaking each replaced one (as before the fix) added, over
    // 20 reloads, 40 threads, 219 file descriptors (SQLite handles on deleted files among them) and
    // 439 MB: 2,200 MB over 100. What remains (40-140 MB measured, varying with the machine's load)
    // is the question log the answers fill (FileStore keeps it in memory) and the allocator's arenas,
    // once 213 MB on a loaded machine with threads and descriptors flat: the bound sits at a quarter
    // of the leak, so a leak still fails it four times over.
    expect(after.deleted).toEqual([]);
    expect(after.threads - before!.threads).toBeLessThanOrEqual(2);
    expect(after.fds - before!.fds).toBeLessThanOrEqual(4);
    expect(after.rssMb - before!.rssMb).toBeLessThan(550);
  }, 600_000);
});
