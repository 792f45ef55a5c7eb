/**
 * `npm run bench:ready -- --factor 100 [--runs 3]`: how long the real server (`src/main.ts`)
 * takes from spawn to /readyz 200 on an index already built by `npm run bench:scale` (in
 * `.bench/scale/<N>x/`), and its RSS once ready and after a few answers. Only the start is
 * measured (no load, no ingest), so a change to the start-up path is measured in seconds rather
 * than in the minutes bench:scale takes; bench:scale stays the reference for the figures.
 */
import path from "node:path";
import { Command } from "commander";
import { publishedIndexName } from "../src/index/store.ts";
import { benchQuestions } from "./support/bench-questions.ts";
import { benchServerEnv, median, rssOf, serveUntilReady } from "./support/served.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

interface StartRun {
  readyS: number;
  readyRssMb: number;
  answeredRssMb: number;
}

async function startOnce(env: NodeJS.ProcessEnv, questions: number): Promise<StartRun> {
  const { url, child, readyS, stop } = await serveUntilReady(env);
  try {
    const readyRssMb = await rssOf(child.pid!);
    // A few answers touch what an answer reads lazily (sources, sentence vectors), so RSS counts it.
    const { ask } = await benchQuestions(url);
    for (const q of ask.slice(0, questions)) {
      const response = await fetch(`${url}/v1/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: q.question, mode: "deterministic" }) });
      if (response.status !== 200) throw new Error(`/v1/ask answered ${response.status}: ${await response.text()}`);
    }
    return { readyS, readyRssMb, answeredRssMb: await rssOf(child.pid!) };
  } finally {
    await stop();
  }
}

async function main(): Promise<void> {
  const opts = new Command()
    .option("--factor <n>", "the bench:scale corpus whose built index is started (.bench/scale/<N>x)", "1")
    .option("--runs <n>", "starts to measure (the median is reported)", "3")
    .option("--questions <n>", "answers asked after ready, before the second RSS reading", "50")
    .parse()
    .opts<{ factor: string; runs: string; questions: string }>();
  const out = path.join(ROOT, ".bench", "scale", `${opts.factor}x`);
  const dataDir = path.join(out, "data");
  if (!(await publishedIndexName(dataDir))) throw new Error(`no built index in ${dataDir}: run \`npm run bench:scale -- --factor ${opts.factor}\` first`);
  const env = benchServerEnv(path.join(out, "corpus"), dataDir);

  const runs: StartRun[] = [];
  for (let i = 0; i < Number(opts.runs); i++) {
    const run = await startOnce(env, Number(opts.questions));
    process.stderr.write(`[${opts.factor}x] start ${i + 1}: ready ${run.readyS.toFixed(2)} s, RSS ${run.readyRssMb.toFixed(0)} MB at ready, ${run.answeredRssMb.toFixed(0)} MB after ${opts.questions} answers\n`);
    runs.push(run);
  }
  console.log(
    `ready: factor ${opts.factor} · median of ${runs.length}: ready ${median(runs.map((r) => r.readyS)).toFixed(2)} s · RSS ${median(runs.map((r) => r.readyRssMb)).toFixed(0)} MB at ready, ${median(runs.map((r) => r.answeredRssMb)).toFixed(0)} MB after answers`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
