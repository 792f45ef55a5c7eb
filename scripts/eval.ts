/**
 * Evaluation harness: the composition root for `npm run eval`.
 *
 *   npm run eval -- [--file F] [--mode deterministic|llm] [--json OUT] [--k N] [--strict] [--paraphrase] [--add DIR]
 *
 * --add DIR measures answers about a company's own documents: the documents of DIR are added to a copy
 * of the corpus through the import path `kpo add` uses (in .bench/eval-add/<DIR's name>), and the
 * questions are asked of that corpus.
 *
 * Exit codes: 0 when the run completes (floors met or not, unless --strict), 1 on a bad file,
 * bad arguments or a failed start-up, and with --strict also when a floor is not met.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError, Option } from "commander";
import { createAssistant } from "../src/assistant.ts";
import { loadSettings } from "../src/config/settings.ts";
import { corpusWith } from "./support/corpus-with.ts";
import { createLogger } from "../src/logger.ts";
import { formatReport } from "../src/eval/format.ts";
import { loadQuestions } from "../src/eval/questions.ts";
import { buildReport } from "../src/eval/report.ts";
import { runEval } from "../src/eval/run.ts";
import { formatStability, runParaphrases, stabilityReport, type StabilityReport } from "../src/eval/paraphrase.ts";
import type { AnswerMode } from "../src/schema/answer.ts";

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function parseK(value: string): number {
  const k = Number(value);
  if (!Number.isInteger(k) || k < 1 || k > 50) throw new InvalidArgumentError("must be an integer from 1 to 50");
  return k;
}

interface Options {
  file?: string;
  mode: AnswerMode;
  json?: string;
  k: number;
  strict?: boolean;
  paraphrase?: boolean;
  add?: string;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name("eval")
    .description("Runs the assistant over an evaluation file (format: eval/README.md) and reports scores and floors.")
    .option("--file <path>", "question file (.jsonl) (default: eval/dev.jsonl)")
    .addOption(new Option("--mode <mode>", "answer mode").choices(["deterministic", "llm"]).default("deterministic"))
    .option("--json <out>", "also write the full report as JSON to this file")
    // Deep enough that glossary entries (not documents) do not crowd the ranked document sources out of the top 5.
    .option("--k <n>", "passages searched per question for the retrieval metrics", parseK, 20)
    .option("--strict", "exit 1 when a floor is not met")
    .option("--add <dir>", "add the documents of this folder to a copy of the corpus (as kpo add does) and ask the questions of it")
    .option("--paraphrase", "also ask rule-made variants of each question (preamble, politeness, typo, shorthand, reorder, markup) and report stability")
    .showHelpAfterError()
    .parse(argv);
  const opts = program.opts<Options>();

  // Environment is read here and nowhere else; the eval is quiet unless LOG_LEVEL asks otherwise.
  const env = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" };
  const addDir = opts.add ? path.resolve(opts.add) : undefined;
  const settings = addDir ? await corpusWith(rootDir, addDir, path.join(rootDir, ".bench", "eval-add", path.basename(addDir)), env) : loadSettings(env, rootDir);
  if (opts.mode === "llm" && !settings.llmConfigured) {
    console.error("eval: --mode llm needs an LLM: set OPENAI_API_KEY or LLM_BASE_URL");
    return 1;
  }
  const file = opts.file ? path.resolve(opts.file) : path.join(rootDir, "eval/dev.jsonl");
  // Load before building the assistant so a bad file fails fast.
  const questions = await loadQuestions(file);

  const logger = createLogger(settings);
  const assistant = await createAssistant(settings, { logger });
  const progress = process.stderr.isTTY
    ? (done: number, total: number) => process.stderr.write(`\reval: ${done}/${total}${done === total ? "\n" : ""}`)
    : undefined;
  let results;
  let stability: StabilityReport | undefined;
  try {
    results = await runEval(assistant, questions, { mode: opts.mode, k: opts.k, rootDir: settings.rootDir, onProgress: progress });
    if (opts.paraphrase) stability = stabilityReport(await runParaphrases(assistant, questions, opts.mode, progress));
  } finally {
    await assistant.close();
  }

  const report = { ...buildReport(results, { file: path.relative(rootDir, file) || file, mode: opts.mode, k: opts.k }), ...(stability ? { stability } : {}) };
  console.log(formatReport(report));
  if (stability) console.log(formatStability(stability));
  if (opts.json) {
    const out = path.resolve(opts.json);
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`JSON report written to ${out}`);
  }
  return opts.strict && !report.floorsMet ? 1 : 0;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // One line: the project's errors already name the file, line or setting concerned.
    console.error(`eval: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
