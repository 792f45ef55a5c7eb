/**
 * `npm run bench:startup [-- --runs 5]`: how long each entry point takes to start on the Node
 * running this script, before (the TypeScript sources run through tsx's loader) and now (every
 * entry point preloads src/preload.mjs: Node's own type stripping on Node 22.18+, 24 and 26, tsx
 * on Node 20, and Node's compile cache where there is one), side by side with their ratio. Wall
 * time and CPU time (user + system) are both medians of interleaved runs: on a shared machine
 * the CPU time is the steadier figure.
 *
 * NODE_DISABLE_COMPILE_CACHE=1 leaves the compile cache off, to see what type stripping alone gives.
 * Compare Node versions by running it with each, in a checkout whose native modules were built
 * for that Node (better-sqlite3 and hnswlib-node; see docs/node.md), e.g.
 *   PATH="$(dirname "$(npx -y -p node@26 -c 'command -v node')"):$PATH" npm run bench:startup
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { Command } from "commander";
import { PRELOAD } from "../src/config/project.ts";
import { table } from "../src/eval/format.ts";
import { publishedIndexName } from "../src/index/store.ts";
import { benchServerEnv, median, serveUntilReady } from "./support/served.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const CPU_AT_EXIT = ["--import", new URL("./support/cpu-at-exit.mjs", import.meta.url).href];

interface Loader {
  name: string;
  /** The node options that run the TypeScript sources. */
  preload: string[];
}

const BEFORE: Loader = { name: "before", preload: ["--import", "tsx"] };
const NOW: Loader = { name: "now", preload: ["--import", PRELOAD] };

interface Sample {
  wallMs: number;
  cpuMs: number;
}

/** One measured start: `start` returns the wall time to the point of interest and ends the process; its CPU time is read at its exit (from start to exit). */
async function measure(env: NodeJS.ProcessEnv, start: (env: NodeJS.ProcessEnv) => Promise<number>): Promise<Sample> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "kpo-bench-startup-"));
  const cpuFile = path.join(dir, "cpu");
  try {
    const wallMs = await start({ ...env, KPO_BENCH_CPU_FILE: cpuFile });
    const cpuMs = Number(await readFile(cpuFile, "utf8")) / 1000;
    return { wallMs, cpuMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs an entry point to its exit; the wall time is spawn to exit. */
function runToExit(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(performance.now() - began) : reject(new Error(`${args.join(" ")} exited with ${code}`))));
  });
}

interface Task {
  name: string;
  /** Starts the entry point, returns the wall ms to the point of interest, and resolves once the process has exited. */
  run(preload: string[], env: NodeJS.ProcessEnv): Promise<number>;
}

const TASKS: Task[] = [
  { name: "kpo --version", run: (preload, env) => runToExit([...preload, "src/cli/main.ts", "--version"], env) },
  { name: "kpo glossary KPO", run: (preload, env) => runToExit([...preload, "src/cli/main.ts", "glossary", "KPO"], env) },
  {
    name: "server: spawn -> /readyz 200",
    async run(preload, env) {
      const served = await serveUntilReady(env, preload);
      await served.stop();
      return served.readyS * 1000;
    },
  },
  {
    name: "kpo mcp: spawn -> first answer",
    async run(preload, env) {
      const began = performance.now();
      const client = new Client({ name: "bench-startup", version: "1.0.0" });
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [...preload, "src/cli/main.ts", "mcp"], cwd: ROOT, env: env as Record<string, string>, stderr: "inherit" }));
      const result = await client.callTool({ name: "define", arguments: { term: "KPO" } });
      const answeredMs = performance.now() - began;
      if (result.isError) throw new Error(`define failed: ${JSON.stringify(result.content)}`);
      await client.close(); // resolves once the server process has exited
      return answeredMs;
    },
  },
];

async function ensureIndex(env: NodeJS.ProcessEnv): Promise<void> {
  if (await publishedIndexName(env.DATA_DIR!)) return;
  process.stderr.write(`building the index in ${env.DATA_DIR} once (not measured)...\n`);
  await runToExit(["--import", PRELOAD, "src/cli/main.ts", "ingest", "--no-progress"], env);
}

async function main(): Promise<void> {
  const opts = new Command().option("--runs <n>", "starts of each entry point with each loader (medians are reported)", "5").parse().opts<{ runs: string }>();
  const runs = Number(opts.runs);
  const env = benchServerEnv(path.join(ROOT, "corpus"), path.join(ROOT, ".bench", "startup", "data"));
  env.NODE_OPTIONS = "";
  await ensureIndex(env);

  const loaders = [BEFORE, NOW];
  const samples = new Map<string, Sample[]>();
  for (let i = 0; i < runs; i++) {
    // Interleaved, so both loaders see the same load on the machine.
    for (const task of TASKS) {
      for (const loader of loaders) {
        const sample = await measure(env, (e) => task.run([...CPU_AT_EXIT, ...loader.preload], e));
        const key = `${task.name}|${loader.name}`;
        samples.set(key, [...(samples.get(key) ?? []), sample]);
        process.stderr.write(`run ${i + 1}: ${task.name} (${loader.name}): ${sample.wallMs.toFixed(0)} ms wall, ${sample.cpuMs.toFixed(0)} ms CPU\n`);
      }
    }
  }

  const of = (task: string, loader: string, field: keyof Sample) => {
    const values = samples.get(`${task}|${loader}`);
    return values ? median(values.map((s) => s[field])) : undefined;
  };
  const ms = (v: number | undefined) => (v === undefined ? "n/a" : v.toFixed(0));
  const ratio = (after: number | undefined, before: number | undefined) => (after === undefined || before === undefined ? "n/a" : `${(after / before).toFixed(2)}x`);
  const rows = TASKS.map((t) => {
    const [beforeWall, nowWall, beforeCpu, nowCpu] = [of(t.name, BEFORE.name, "wallMs"), of(t.name, NOW.name, "wallMs"), of(t.name, BEFORE.name, "cpuMs"), of(t.name, NOW.name, "cpuMs")];
    return [t.name, ms(beforeWall), ms(nowWall), ratio(nowWall, beforeWall), ms(beforeCpu), ms(nowCpu), ratio(nowCpu, beforeCpu)];
  });
  // NODE_DISABLE_COMPILE_CACHE=1 (inherited by the measured processes) measures type stripping alone.
  const cache = process.env.NODE_DISABLE_COMPILE_CACHE ? "compile cache disabled" : "compile cache where Node has one";
  const now = process.features.typescript ? `type stripping, ${cache}` : `no type stripping on this Node: tsx, ${cache}`;
  console.log(`start-up on Node ${process.version}, median of ${runs} runs in ms; before: tsx, now: ${now}; load average ${os.loadavg()[0]!.toFixed(1)}`);
  console.log(table(["entry point", "before wall", "now wall", "ratio", "before CPU", "now CPU", "ratio"], rows, [false, true, true, true, true, true, true]));
}

await main();
