/**
 * `npm run bench:scale -- --factor 1,100,1000`: the whole pipeline on synthetic corpora N times
 * the size of the real one (scripts/scale/generate-corpus.ts), each in `.bench/scale/<N>x/`.
 *
 * Per factor, in separate processes so one measurement's memory does not leak into the next:
 *   1. cold ingest (empty DATA_DIR): wall time, texts embedded per second, peak RSS;
 *   2. one-file re-ingest: one synthetic document changed, then changed back (two runs);
 *   3. the real server (`src/main.ts`) on that index: spawn -> /readyz 200 ("ready", the median
 *      of three starts), then
 *      POST /v1/ask at 16 connections (a different question each time, answer cache off) and
 *      GET /v1/search at 1 connection, with the server's RSS sampled throughout;
 *   4. index size on disk, and HNSW recall@10 against exact search for query embeddings of
 *      the dev questions, at the ef the server used (the index's own, or HNSW_EF) and a sweep.
 * Results are kept in `.bench/scale/results.json`; a factor measured before is shown beside
 * its previous run. The last line, for the largest factor, is machine-readable:
 *   scale: factor N · ask16 P% of 1x · search p99 S ms · ready R s · rss M MB · recall@10 C
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import autocannon from "autocannon";
import { Command } from "commander";
import hnswlib from "hnswlib-node";
import { loadSettings } from "../src/config/settings.ts";
import { createEmbedder } from "../src/embed/factory.ts";
import { table } from "../src/eval/format.ts";
import { exactNearest } from "../src/index/hnsw-recall.ts";
import { publishedIndexName } from "../src/index/store.ts";
import { askRequests, benchQuestions, percentile, searchRequests } from "./support/bench-questions.ts";
import { benchServerEnv, median, rssOf, serveUntilReady } from "./support/served.ts";
import { runIngest, type IngestRun } from "./bench-ingest-scale.ts";
import { oneFileReingests } from "./scale/one-file-reingest.ts";
import { generateCorpus } from "./scale/generate-corpus.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const BENCH_DIR = path.join(ROOT, ".bench", "scale");
const RESULTS = path.join(BENCH_DIR, "results.json");
const EF_SWEEP = [10, 40, 100, 200, 400, 800, 1200];

interface FactorResult {
  factor: number;
  documents: number;
  chunks: number;
  coldIngestS: number | null;
  textsPerS: number | null;
  peakIngestRssMb: number | null;
  reingestS: number[];
  readyS: number;
  ask16: number;
  askP99: number;
  askErrors: number;
  searchP99: number;
  searchErrors: number;
  rssMb: number;
  indexMb: number;
  ef: number;
  recall: number;
  recallSweep: { ef: number; recall: number; msPerQuery: number }[];
  composeByCategory: Record<string, { n: number; p50: number; p99: number }>;
  at: string;
}

// ------------------------------------------------------------- the server under load
/** Starts before the measured one, so ready is the median of three: the first start after a code change also transpiles it (tsx's cache). */
const EXTRA_STARTS = 2;

async function serveAndLoad(env: NodeJS.ProcessEnv, seconds: number): Promise<Pick<FactorResult, "readyS" | "ask16" | "askP99" | "askErrors" | "searchP99" | "searchErrors" | "rssMb" | "composeByCategory">> {
  const starts: number[] = [];
  for (let i = 0; i < EXTRA_STARTS; i++) {
    const served = await serveUntilReady(env);
    starts.push(served.readyS);
    await served.stop();
  }
  const { url, child, readyS: lastStart, stop } = await serveUntilReady(env);
  try {
    const readyS = median([...starts, lastStart]);
    const { ask, search } = await benchQuestions(url);
    let peakRss = 0;
    const sampler = setInterval(() => void rssOf(child.pid!).then((mb) => (peakRss = Math.max(peakRss, mb))), 200);
    // Warm-up: JIT and the first of each strategy, outside the measurement.
    for (const q of ask.slice(0, 30)) await fetch(`${url}/v1/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: q.question, mode: "deterministic" }) });

    const composeMs = new Map<string, number[]>();
    const category = new Map(ask.map((q) => [q.question, q.category]));
    const askRun = await autocannon({
      url,
      connections: 16,
      duration: seconds,
      requests: [
        {
          ...askRequests(ask.map((q) => q.question)),
          onResponse: (status: number, body: string) => {
            if (status !== 200) return;
            const answer = JSON.parse(body) as { question: string; timings: { composeMs: number } };
            const name = category.get(answer.question) ?? "other";
            composeMs.set(name, [...(composeMs.get(name) ?? []), answer.timings.composeMs]);
          },
        },
      ],
    });
    const searchRun = await autocannon({
      url,
      connections: 1,
      duration: Math.max(3, Math.round(seconds / 2)),
      requests: [searchRequests(search)],
    });
    clearInterval(sampler);
    peakRss = Math.max(peakRss, await rssOf(child.pid!));
    const composeByCategory = Object.fromEntries(
      [...composeMs].map(([name, values]) => {
        const sorted = values.sort((a, b) => a - b);
        return [name, { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) }];
      }),
    );
    return {
      readyS,
      ask16: askRun.requests.total / seconds,
      askP99: askRun.latency.p99,
      askErrors: askRun.non2xx + askRun.errors + askRun.timeouts,
      searchP99: searchRun.latency.p99,
      searchErrors: searchRun.non2xx + searchRun.errors + searchRun.timeouts,
      rssMb: peakRss,
      composeByCategory,
    };
  } finally {
    await stop();
  }
}

// ------------------------------------------------------------- index size and HNSW recall
async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? await sizeOf(full) : (await stat(full)).size;
  }
  return total;
}

/** Recall@10 of the published HNSW index for real query embeddings (the dev questions), against exact search. */
async function hnswRecall(dataDir: string, queries: string[], efs: number[]): Promise<FactorResult["recallSweep"]> {
  const dir = path.join(dataDir, (await publishedIndexName(dataDir))!);
  const settings = loadSettings({ ...process.env, LOG_LEVEL: "silent" }, ROOT);
  const embedder = createEmbedder(settings);
  const queryVectors = (await embedder.embed(queries)).map((v) => Float32Array.from(v));
  await embedder.close?.();
  const index = new hnswlib.HierarchicalNSW("cosine", queryVectors[0]!.length);
  await index.readIndex(path.join(dir, "hnswlib.index"));
  // A patched graph (a re-ingest) keeps the points of removed chunks, marked deleted: searches skip them, and so does exact search.
  const labels = index.getIdsList().filter((label) => {
    try {
      index.getPoint(label);
      return true;
    } catch {
      return false;
    }
  });
  // Unit vectors (the cosine space normalises on insert), so a dot product ranks by cosine.
  const vectors = labels.map((label) => Float32Array.from(index.getPoint(label)));
  const truth = queryVectors.map((q) => new Set(exactNearest(vectors, q, 10).map((i) => labels[i]!)));
  return efs.map((ef) => {
    index.setEf(ef);
    const t = performance.now();
    const found = queryVectors.map((q, i) => index.searchKnn(Array.from(q), 10).neighbors.filter((n) => truth[i]!.has(n)).length);
    return { ef, recall: found.reduce((a, b) => a + b, 0) / (queries.length * 10), msPerQuery: (performance.now() - t) / queries.length };
  });
}

// ------------------------------------------------------------- one factor
async function measureFactor(factor: number, seconds: number, reuse: boolean): Promise<FactorResult> {
  const out = path.join(BENCH_DIR, `${factor}x`);
  const corpus = await generateCorpus(ROOT, out, factor);
  const dataDir = path.join(out, "data");
  const env = benchServerEnv(corpus.corpusDir, dataDir);

  const say = (m: string) => process.stderr.write(`[${factor}x] ${m}\n`);

  let cold: IngestRun | undefined;
  if (!reuse || !(await publishedIndexName(dataDir))) {
    await rm(dataDir, { recursive: true, force: true });
    say(`cold ingest of ${corpus.documents} documents ...`);
    cold = await runIngest(env);
    say(`cold ingest: ${(cold.wallMs / 1000).toFixed(1)} s, ${cold.embedded} texts in ${(cold.embedMs / 1000).toFixed(1)} s, peak RSS ${cold.peakRssMb.toFixed(0)} MB`);
  }
  const reingestS: number[] = [];
  if (corpus.synthetic.length > 0) {
    const runs = await oneFileReingests(path.join(corpus.corpusDir, "sources", corpus.synthetic[0]!), () => runIngest(env));
    reingestS.push(...runs.map((run) => run.wallMs / 1000));
    say(`one-file re-ingest: ${reingestS.map((s) => `${s.toFixed(2)} s`).join(", ")}`);
  }
  const manifest = JSON.parse(await readFile(path.join(dataDir, (await publishedIndexName(dataDir))!, "manifest.json"), "utf8")) as { counts: { documents: number; chunks: number }; hnsw?: { ef: number } };

  say("server: ready, then load ...");
  const served = await serveAndLoad(env, seconds);
  say(`ready ${served.readyS.toFixed(2)} s, ask@16 ${served.ask16.toFixed(1)} req/s, search p99 ${served.searchP99} ms, RSS ${served.rssMb.toFixed(0)} MB`);

  const indexMb = (await sizeOf(path.join(dataDir, (await publishedIndexName(dataDir))!))) / 2 ** 20;
  const dev = (await readFile(path.join(ROOT, "eval/dev.jsonl"), "utf8")).split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { question: string }).question.slice(0, 300));
  // The ef the server searched with: HNSW_EF when set, else the one the index measured for itself.
  const ef = loadSettings({ ...process.env, LOG_LEVEL: "silent" }, ROOT).HNSW_EF ?? manifest.hnsw?.ef ?? 1200;
  const recallSweep = await hnswRecall(dataDir, dev, [...new Set([...EF_SWEEP, ef])].sort((a, b) => a - b));
  return {
    factor,
    documents: manifest.counts.documents,
    chunks: manifest.counts.chunks,
    coldIngestS: cold ? cold.wallMs / 1000 : null,
    textsPerS: cold ? cold.embedded / (cold.embedMs / 1000) : null,
    peakIngestRssMb: cold ? cold.peakRssMb : null,
    reingestS,
    ...served,
    indexMb,
    ef,
    recall: recallSweep.find((p) => p.ef === ef)!.recall,
    recallSweep,
    at: new Date().toISOString(),
  };
}

// ------------------------------------------------------------- report
const f1 = (v: number | null) => (v === null ? "-" : v.toFixed(1));
const f0 = (v: number | null) => (v === null ? "-" : v.toFixed(0));

function report(results: FactorResult[], previous: Record<string, FactorResult>): void {
  const base = results.find((r) => r.factor === 1);
  console.log(
    table(
      ["factor", "docs / chunks", "cold ingest s", "texts/s", "ingest RSS MB", "1-file re-ingest s", "ready s", "ask@16 req/s", "ask p99 ms", "search p99 ms", "RSS MB", "index MB", "recall@10 (ef)"],
      results.map((r) => [
        `${r.factor}x`,
        `${r.documents} / ${r.chunks}`,
        f1(r.coldIngestS),
        f1(r.textsPerS),
        f0(r.peakIngestRssMb),
        r.reingestS.length ? r.reingestS.map((s) => s.toFixed(2)).join(", ") : "-",
        r.readyS.toFixed(2),
        `${r.ask16.toFixed(1)}${base && r !== base ? ` (${((100 * r.ask16) / base.ask16).toFixed(0)}% of 1x)` : ""}${r.askErrors ? ` ${r.askErrors} failed!` : ""}`,
        f0(r.askP99),
        `${f0(r.searchP99)}${r.searchErrors ? ` ${r.searchErrors} failed!` : ""}`,
        f0(r.rssMb),
        f1(r.indexMb),
        `${r.recall.toFixed(3)} (${r.ef})`,
      ]),
      [false, false, true, true, true, false, true, false, true, true, true, true, false],
    ),
  );
  console.log("\ncompose ms by question category at 16 connections (p50 / p99)");
  const categories = [...new Set(results.flatMap((r) => Object.keys(r.composeByCategory)))].sort();
  console.log(
    table(
      ["factor", ...categories],
      results.map((r) => [`${r.factor}x`, ...categories.map((c) => (r.composeByCategory[c] ? `${r.composeByCategory[c].p50.toFixed(1)} / ${r.composeByCategory[c].p99.toFixed(1)}` : "-"))]),
    ),
  );
  console.log("\nHNSW recall@10 against exact search, dev-question embeddings (ef: recall, ms/query)");
  for (const r of results) console.log(`  ${r.factor}x: ${r.recallSweep.map((p) => `${p.ef}: ${p.recall.toFixed(3)}, ${p.msPerQuery.toFixed(2)}`).join(" · ")}`);
  const before = results.filter((r) => previous[r.factor]);
  if (before.length) {
    console.log("\nagainst the previous run of the same factor (this / previous)");
    console.log(
      table(
        ["factor", "previous run", "cold ingest", "texts/s", "ready", "ask@16", "search p99", "RSS"],
        before.map((r) => {
          const p = previous[r.factor]!;
          const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? "-" : `${(a / b).toFixed(2)}x`);
          return [`${r.factor}x`, p.at, ratio(r.coldIngestS, p.coldIngestS), ratio(r.textsPerS, p.textsPerS), ratio(r.readyS, p.readyS), ratio(r.ask16, p.ask16), ratio(r.searchP99, p.searchP99), ratio(r.rssMb, p.rssMb)];
        }),
      ),
    );
  }
  const top = results.reduce((a, b) => (b.factor > a.factor ? b : a));
  const share = base ? `${((100 * top.ask16) / base.ask16).toFixed(0)}%` : "n/a";
  console.log(`\nscale: factor ${top.factor} · ask16 ${share} of 1x · search p99 ${f0(top.searchP99)} ms · ready ${top.readyS.toFixed(2)} s · rss ${f0(top.rssMb)} MB · recall@10 ${top.recall.toFixed(3)}`);
}

async function main(): Promise<void> {
  const opts = new Command()
    .name("bench:scale")
    .option("--factor <list>", "corpus sizes to measure, comma-separated multiples of the real corpus (1x is the baseline)", "1,10")
    .option("--seconds <n>", "seconds of load per run", "8")
    .option("--reuse", "keep an index built by an earlier run (skips the cold ingest)")
    .parse()
    .opts<{ factor: string; seconds: string; reuse?: boolean }>();
  const factors = [...new Set(opts.factor.split(",").map(Number))].sort((a, b) => a - b);
  if (factors.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--factor: whole multiples of 1 or more, comma-separated (got ${opts.factor})`);
  await mkdir(BENCH_DIR, { recursive: true });
  const previous = JSON.parse(await readFile(RESULTS, "utf8").catch(() => "{}")) as Record<string, FactorResult>;
  const results: FactorResult[] = [];
  for (const factor of factors) results.push(await measureFactor(factor, Number(opts.seconds), opts.reuse ?? false));
  await writeFile(RESULTS, JSON.stringify({ ...previous, ...Object.fromEntries(results.map((r) => [r.factor, r])) }, null, 2));
  report(results, previous);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
