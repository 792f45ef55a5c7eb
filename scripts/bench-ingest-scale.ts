/**
 * Ingest on a synthetic corpus `factor` times the real one (scripts/scale/generate-corpus.ts),
 * each run in a child process of its own so peak RSS is that run's:
 *   - cold ingest (empty DATA_DIR) with 1 embedding worker and with EMBED_WORKERS (default: one a
 *     core), side by side: wall time, texts embedded, texts/s over the embedding phase, peak RSS;
 *   - one-file re-ingest: one synthetic document changed, then changed back, with the time of
 *     each step (the document cache, the vector cache, HNSW patch, BM25, files).
 *
 *   npm run bench:ingest -- --factor 10            (part of the whole bench:ingest)
 *   npm run bench:ingest -- --factor 100 --only scale
 */
import { spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadSettings } from "../src/config/settings.ts";
import { createEmbedder } from "../src/embed/factory.ts";
import { table } from "../src/eval/format.ts";
import { ingest } from "../src/ingest/pipeline.ts";
import { generateCorpus } from "./scale/generate-corpus.ts";
import { oneFileReingests } from "./scale/one-file-reingest.ts";
import { PRELOAD } from "../src/config/project.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

export interface IngestRun {
  wallMs: number;
  embedded: number;
  embedMs: number;
  cleaned: number;
  documents: number;
  chunks: number;
  peakRssMb: number;
  /** CPU seconds the process used (every thread), over the wall time: how many cores it kept busy. */
  coresBusy: number;
  steps: [string, number][];
}

/** Runs in the child: one ingest with the environment's settings, its figures as one JSON line. */
export async function ingestChild(): Promise<void> {
  const settings = loadSettings({ ...process.env, LOG_LEVEL: "silent" }, ROOT);
  const embedder = createEmbedder(settings);
  const steps: [string, number][] = [];
  let embedFrom: number | undefined;
  let embedTo: number | undefined;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const summary = await ingest(settings, embedder, {
    onProgress: (p) => {
      if (p.phase === "embed") embedFrom ??= performance.now();
      if (p.phase === "write") embedTo ??= performance.now();
    },
    onStep: (step, ms) => steps.push([step, ms]),
  });
  const run: IngestRun = {
    wallMs: performance.now() - started,
    embedded: summary.embedded,
    embedMs: (embedTo ?? performance.now()) - (embedFrom ?? started),
    cleaned: summary.cleaned,
    documents: summary.documents,
    chunks: summary.chunks,
    // maxRSS covers every thread of the process (the embedding workers included), in KB.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    coresBusy: (({ user, system }) => (user + system) / 1000)(process.cpuUsage(cpu)) / (performance.now() - started),
    steps,
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
  process.exit(0);
}

/** One ingest in a child process of its own (so its peak RSS is the ingest's), with the given environment. */
export function runIngest(env: NodeJS.ProcessEnv): Promise<IngestRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", PRELOAD, path.join(ROOT, "scripts/bench-ingest.ts"), "ingest-child"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1)!) as IngestRun) : reject(new Error(`ingest exited with ${code}`))));
  });
}

export async function benchIngestScale(factor: number, options: { cold?: boolean } = {}): Promise<void> {
  const out = path.join(ROOT, ".bench", "ingest", `${factor}x`);
  const corpus = await generateCorpus(ROOT, out, factor);
  const dataDir = path.join(out, "data");
  const workers = loadSettings({ ...process.env, LOG_LEVEL: "silent" }, ROOT).EMBED_WORKERS;
  const env = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ ...process.env, CORPUS_DIR: corpus.corpusDir, DATA_DIR: dataDir, EMBEDDINGS: "use-lite", DATABASE_URL: "", ...extra });
  const say = (m: string) => process.stderr.write(`[ingest ${factor}x] ${m}\n`);
  const f = (x: number, d = 1) => x.toFixed(d);

  const rows: string[][] = [];
  const coldRuns: { workers: number; run: IngestRun }[] = [];
  if (options.cold !== false) {
    for (const n of [...new Set([1, workers])]) {
      await rm(dataDir, { recursive: true, force: true });
      say(`cold ingest of ${corpus.documents} documents, EMBED_WORKERS=${n} ...`);
      const run = await runIngest(env({ EMBED_WORKERS: String(n) }));
      coldRuns.push({ workers: n, run });
      say(`${f(run.wallMs / 1000)} s, ${run.embedded} texts, ${f(run.embedded / (run.embedMs / 1000))} texts/s, ${f(run.coresBusy, 2)} cores busy, peak RSS ${f(run.peakRssMb, 0)} MB`);
    }
    const base = coldRuns[0]!.run;
    for (const { workers: n, run } of coldRuns) {
      const rate = run.embedded / (run.embedMs / 1000);
      rows.push([
        `cold ingest, ${n} worker${n === 1 ? "" : "s"}`,
        f(run.wallMs / 1000, 2),
        `${run.embedded} texts, ${f(rate)} texts/s (${f(rate / (base.embedded / (base.embedMs / 1000)), 2)}x of 1 worker), ${f(run.coresBusy, 2)} cores busy; ${run.documents} documents, ${run.chunks} chunks; peak RSS ${f(run.peakRssMb, 0)} MB`,
      ]);
    }
  } else if (!(await readFile(path.join(dataDir, "CURRENT"), "utf8").catch(() => ""))) {
    say("no index yet: building it once (not measured) ...");
    await runIngest(env({}));
  }

  // One document changed, then changed back: two one-file re-ingests.
  const file = path.join(corpus.corpusDir, "sources", corpus.synthetic[0] ?? "000_07027fcb20a76bf4.txt");
  const reingests = await oneFileReingests(file, () => runIngest(env({})));
  for (const [i, run] of reingests.entries()) {
    rows.push([`one-file re-ingest (${i === 0 ? "changed" : "changed back"})`, f(run.wallMs / 1000, 2), `${run.cleaned} document cleaned, ${run.embedded} texts embedded; peak RSS ${f(run.peakRssMb, 0)} MB`]);
  }
  console.log(`\nIngest at ${factor}x (${corpus.documents} documents; ${os.availableParallelism()} cores, EMBED_WORKERS=${workers}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")})\n`);
  console.log(table(["measure", "s", "notes"], rows, [false, true, false]));
  console.log(`\nSteps of the first one-file re-ingest (ms): ${reingests[0]!.steps.map(([s, ms]) => `${s} ${f(ms, 0)}`).join(" · ")}`);
}
