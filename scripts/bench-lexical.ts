/**
 * Lexical engines side by side on a synthetic corpus of N chunk-sized texts (recombined real
 * sentences plus a Zipf long tail of synthetic words; see scripts/lexical/synthetic.ts): build
 * time, size on disk, load time from disk, RSS after loading and querying, query latency p50/p99
 * for the dev questions (<= 300 characters) and for short typo'd queries, and top-10 overlap with
 * MiniSearch (the engine used before, as a quality proxy). Each engine builds in one child
 * process and is loaded and queried in a fresh one, so RSS is what a server would hold.
 *
 *   npm run bench:lexical -- [--chunks 100000] [--engines minisearch,fts5] [--typos 100]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { loadSettings } from "../src/config/settings.ts";
import { table } from "../src/eval/format.ts";
import { loadQuestions } from "../src/eval/questions.ts";
import type { InThreadLexicalIndex, LexicalDocument } from "../src/index/lexical.ts";
import { buildMiniSearchIndex, loadMiniSearchIndex, serializeMiniSearchIndex } from "../src/index/lexical-minisearch.ts";
import { openLexicalIndex, writeLexicalIndex } from "../src/index/lexical-sqlite.ts";
import { syntheticCorpus, typoQueries } from "./lexical/synthetic.ts";
import { PRELOAD } from "../src/config/project.ts";

interface Engine {
  /** Builds the index of `documents` into `file`. */
  build(documents: LexicalDocument[], file: string): void;
  load(file: string): InThreadLexicalIndex;
}

const ENGINES: Record<string, Engine> = {
  minisearch: {
    build: (documents, file) => writeFileSync(file, serializeMiniSearchIndex(buildMiniSearchIndex(documents))),
    load: (file) => loadMiniSearchIndex(readFileSync(file, "utf8")),
  },
  fts5: {
    build: (documents, file) => writeLexicalIndex(file, documents),
    load: (file) => openLexicalIndex(file),
  },
};

const K = 10;

const program = new Command()
  .name("bench:lexical")
  .option("--chunks <n>", "synthetic chunks in the index", "100000")
  .option("--engines <list>", `engines to compare (${Object.keys(ENGINES).join(", ")})`, Object.keys(ENGINES).join(","))
  .option("--typos <n>", "short typo'd queries", "100")
  .option("--phase <phase>", "internal: build | query, run in a child process")
  .option("--engine <name>", "internal: the engine of a phase")
  .option("--file <path>", "internal: the index file of a phase")
  .parse();
const opts = program.opts<{ chunks: string; engines: string; typos: string; phase?: "build" | "query"; engine?: string; file?: string }>();
const settings = loadSettings();
const chunks = Number(opts.chunks);

interface BuildResult {
  buildMs: number;
}
interface QueryResult {
  loadMs: number;
  rssMb: number;
  dev: number[];
  typo: number[];
  top: string[][];
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

async function queries(): Promise<{ dev: string[]; typo: string[] }> {
  const dev = (await loadQuestions(path.join(settings.rootDir, "eval/dev.jsonl"))).map((q) => q.question).filter((q) => q.length <= 300);
  const { sentences } = await syntheticCorpus(settings, 0);
  return { dev, typo: typoQueries(sentences, Number(opts.typos)) };
}

async function runPhase(phase: "build" | "query", engine: Engine, file: string): Promise<BuildResult | QueryResult> {
  if (phase === "build") {
    const { documents } = await syntheticCorpus(settings, chunks);
    const started = performance.now();
    engine.build(documents, file);
    return { buildMs: performance.now() - started };
  }
  const { dev, typo } = await queries();
  const started = performance.now();
  const index = engine.load(file);
  const loadMs = performance.now() - started;
  for (const q of dev.slice(0, 3)) index.search(q, K); // warm-up
  const top: string[][] = [];
  const time = (list: string[]) =>
    list.map((q) => {
      const t = performance.now();
      top.push(index.search(q, K).map((h) => h.id));
      return performance.now() - t;
    });
  const devMs = time(dev);
  const typoMs = time(typo);
  return { loadMs, rssMb: process.memoryUsage().rss / 2 ** 20, dev: devMs, typo: typoMs, top };
}

if (opts.phase) {
  const result = await runPhase(opts.phase, ENGINES[opts.engine!]!, opts.file!);
  process.stdout.write(JSON.stringify(result));
} else {
  const names = opts.engines.split(",").filter(Boolean);
  for (const name of names) if (!ENGINES[name]) throw new Error(`--engines: unknown engine ${name}; known: ${Object.keys(ENGINES).join(", ")}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-lexical-"));
  const script = fileURLToPath(import.meta.url);
  const child = (phase: string, engine: string, file: string) =>
    JSON.parse(
      execFileSync(process.execPath, ["--import", PRELOAD, script, "--chunks", String(chunks), "--typos", opts.typos, "--phase", phase, "--engine", engine, "--file", file], {
        encoding: "utf8",
        maxBuffer: 256 * 2 ** 20,
        stdio: ["ignore", "pipe", "inherit"],
      }),
    );
  const results = new Map<string, BuildResult & QueryResult & { bytes: number }>();
  try {
    for (const name of names) {
      const file = path.join(dir, `${name}.index`);
      console.error(`${name}: building ${chunks} chunks...`);
      const built = child("build", name, file) as BuildResult;
      console.error(`${name}: loading and querying...`);
      const queried = child("query", name, file) as QueryResult;
      results.set(name, { ...built, ...queried, bytes: statSync(file).size });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const baseline = results.get("minisearch");
  const { dev } = await queries();
  const overlap = (top: string[][], from: number, to: number) => {
    if (!baseline) return "-";
    let shared = 0;
    let total = 0;
    for (let i = from; i < to; i++) {
      const want = new Set(baseline.top[i]);
      shared += top[i]!.filter((id) => want.has(id)).length;
      total += Math.min(K, want.size);
    }
    return total ? `${((100 * shared) / total).toFixed(0)}%` : "-";
  };
  const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(0));
  console.log(`Lexical engines on ${chunks} synthetic chunks: ${dev.length} dev questions, ${opts.typos} typo'd short queries, top-${K}\n`);
  console.log(
    table(
      ["engine", "build s", "size MB", "load ms", "RSS MB", "dev p50 ms", "dev p99 ms", "typo p50 ms", "typo p99 ms", "dev top-10 = minisearch", "typo top-10 = minisearch"],
      [...results].map(([name, r]) => [
        name,
        (r.buildMs / 1000).toFixed(1),
        (r.bytes / 2 ** 20).toFixed(1),
        ms(r.loadMs),
        r.rssMb.toFixed(0),
        ms(percentile(r.dev, 50)),
        ms(percentile(r.dev, 99)),
        ms(percentile(r.typo, 50)),
        ms(percentile(r.typo, 99)),
        overlap(r.top, 0, r.dev.length),
        overlap(r.top, r.dev.length, r.top.length),
      ]),
      [false, true, true, true, true, true, true, true, true, true, true],
    ),
  );
}
