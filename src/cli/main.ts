import { Command, InvalidArgumentError, Option } from "commander";
import { findProjectRoot, loadDotEnv, packageVersion } from "../config/project.ts";
import { loadSettings } from "../config/settings.ts";
import { AppError } from "../errors.ts";
import { createLogger } from "../logger.ts";
import { askCommand } from "./ask.ts";
import { gapsCommand } from "./gaps.ts";
import { addCommand, removeCommand } from "./documents.ts";
import { glossaryCommand } from "./glossary.ts";
import { ingestCommand } from "./ingest.ts";
import { mcpCommand } from "./mcp.ts";
import { searchCommand } from "./search.ts";

/** Composition root of the `kpo` command: settings are read here once and handed to each command. */
const positiveInt = (max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
  return n;
};

function context() {
  const cwd = process.cwd();
  loadDotEnv(cwd);
  const root = findProjectRoot(cwd, process.env);
  if (root !== cwd) loadDotEnv(root);
  const settings = loadSettings(process.env, root);
  // Logs go to stderr as JSON; at a terminal only warnings are worth the noise.
  const logger = createLogger({ LOG_LEVEL: process.env.LOG_LEVEL ? settings.LOG_LEVEL : "warn" });
  return { settings, logger };
}

const program = new Command()
  .name("kpo")
  .description("Knowledge assistant for outsourcing terminology (KPO, BPO, ...): answers with cited, checkable passages.")
  .version(packageVersion())
  .showHelpAfterError();

program
  .command("ingest")
  .description("clean, chunk and embed corpus/ and (re)build the index in DATA_DIR (incremental: unchanged chunks reuse cached vectors)")
  .option("--no-progress", "no progress bar (also off when stderr is not a terminal)")
  .action(async (opts: { progress: boolean }) => ingestCommand(context(), opts));

program
  .command("search")
  .description("print the passages hybrid retrieval ranks highest for a query, with source, section, offsets and scores")
  .argument("<query>", "what to search for")
  .option("-k <n>", "number of passages", positiveInt(50), 5)
  .option("--json", "print JSON instead of text")
  .action(async (query: string, opts: { k: number; json?: boolean }) => searchCommand(context(), query, opts));

program
  .command("ask")
  .description("answer a question from the knowledge base, with numbered sources")
  .argument("<question>", "the question")
  .addOption(new Option("--mode <mode>", "answer mode (llm needs OPENAI_API_KEY or LLM_BASE_URL)").choices(["deterministic", "llm"]))
  .option("--json", "print the Answer as JSON")
  .action(async (question: string, opts: { mode?: "deterministic" | "llm"; json?: boolean }) => askCommand(context(), question, opts));

program
  .command("gaps")
  .description("coverage-gap report: questions answered not_found or rated down, grouped by meaning, largest group first")
  .option("--top <n>", "how many groups to print", positiveInt(1000), 20)
  .option("--json", "print the whole report as JSON")
  .action(async (opts: { top: number; json?: boolean }) => gapsCommand(context(), opts));

program
  .command("add")
  .description("add a document (a .pdf, .docx, .html, .md or .txt file, or an http(s) URL) to the corpus and publish the index with it")
  .argument("<file-or-url>", "a path or an http(s) URL")
  .option("--title <title>", "title to cite it by (default: from the document itself)")
  .action(async (target: string, opts: { title?: string }) => addCommand(context(), target, opts));

program
  .command("remove")
  .description("take a document out of the corpus (by its source id, the file name) and publish the index without it")
  .argument("<source>", "source id, e.g. policy.pdf")
  .action(async (id: string) => removeCommand(context(), id));

program
  .command("glossary")
  .description("list the glossary terms, or show one term's definition (aliases and typos are matched)")
  .argument("[term]", "the term to show")
  .option("--json", "print JSON")
  .action(async (term: string | undefined, opts: { json?: boolean }) => glossaryCommand(context(), term, opts));

program
  .command("mcp")
  .description("serve the Model Context Protocol on stdin/stdout (tools ask, search, define, compare, list_sources), for an MCP client that starts kpo as a command")
  .action(async () => mcpCommand(context()));

try {
  await program.parseAsync();
} catch (error) {
  // Known failures get one clear line; anything else is a bug and keeps its stack.
  if (error instanceof AppError) {
    process.stderr.write(`kpo: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
