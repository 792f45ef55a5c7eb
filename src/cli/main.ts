import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { findProjectRoot, loadDotEnv, packageVersion } from "../config/project.ts";
import { loadSettings } from "../config/settings.ts";
import { AppError } from "../errors.ts";
import { createLogger } from "../logger.ts";
import { askCommand } from "./ask.ts";
import { chatCommand, readHistoryFile } from "./chat.ts";
import { gapsCommand } from "./gaps.ts";
import { addCommand, removeCommand, type AddOptions } from "./documents.ts";
import { glossaryCommand } from "./glossary.ts";
import { ingestCommand } from "./ingest.ts";
import { mcpCommand } from "./mcp.ts";
import { searchCommand } from "./search.ts";
import type { SearchMode } from "../schema/passage.ts";
import { sourcesCommand } from "./sources.ts";
import { stylesWanted, terminalStyle } from "./terminal.ts";

/**
 * Composition root of the `kpo` command: settings are read here once and handed to each command.
 * Exit codes: 0 answered (or done), 1 not found or refused, 2 usage errors and failures.
 */
const EXIT_USAGE_OR_ERROR = 2;

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
  return { settings, logger, style: terminalStyle(stylesWanted(process.stdout, process.env)) };
}

const program = new Command()
  .name("kpo")
  .description("Knowledge assistant for outsourcing terminology (KPO, BPO, ...): answers with cited, checkable passages.")
  .version(packageVersion())
  .showHelpAfterError()
  // Usage errors exit 2 like other failures (commander's default is 1, which means "not found" here).
  .exitOverride();

program
  .command("ingest")
  .description("clean, chunk and embed corpus/ and (re)build the index in DATA_DIR (incremental: unchanged chunks reuse cached vectors)")
  .option("--no-progress", "no progress bar (also off when stderr is not a terminal)")
  .action(async (opts: { progress: boolean }) => ingestCommand(context(), opts));

program
  .command("search")
  .description("print the passages hybrid retrieval ranks highest for a query: title, section, passage and where it is (exit 1 when none)")
  .argument("<query>", "what to search for")
  .option("-k <n>", "number of passages (1-100)", positiveInt(100), 5)
  .addOption(new Option("--mode <mode>", "which retrievers run: lexical (BM25 and glossary names), dense (embeddings) or hybrid (all, fused)").choices(["lexical", "dense", "hybrid"]).default("hybrid"))
  .option("--json", "print JSON instead of text")
  .option("--verbose", "also print each passage's fused score and its rank and score per retriever")
  .action(async (query: string, opts: { k: number; mode: SearchMode; json?: boolean; verbose?: boolean }) => searchCommand(context(), query, opts));

program
  .command("ask")
  .description("answer a question from the knowledge base, with numbered sources (exit 0 answered, 1 not found or refused)")
  .argument("<question>", "the question")
  .addOption(new Option("--mode <mode>", "answer mode (llm needs OPENAI_API_KEY or LLM_BASE_URL)").choices(["deterministic", "llm"]))
  .option("--json", "print the Answer as JSON")
  .option("--history <file>", 'earlier turns of the conversation, oldest first: a JSON array of {"question", "answer"} (as POST /v1/ask takes them)', readHistoryFile)
  .action(async (question: string, opts: { mode?: "deterministic" | "llm"; json?: boolean; history?: ReturnType<typeof readHistoryFile> }) => askCommand(context(), question, opts));

program
  .command("chat")
  .description("a conversation at the terminal: follow-up questions continue it (/new starts over, Ctrl-D leaves)")
  .addOption(new Option("--mode <mode>", "answer mode (llm needs OPENAI_API_KEY or LLM_BASE_URL)").choices(["deterministic", "llm"]))
  .action(async (opts: { mode?: "deterministic" | "llm" }) => chatCommand(context(), opts));

program
  .command("gaps")
  .description("coverage-gap report: questions answered not_found or rated down, grouped by meaning, largest group first")
  .option("--top <n>", "how many groups to print", positiveInt(1000), 20)
  .option("--json", "print the whole report as JSON")
  .action(async (opts: { top: number; json?: boolean }) => gapsCommand(context(), opts));

program
  .command("add")
  .description(
    "add documents (.pdf, .docx, .html, .md, .txt files, folders, glob patterns, http(s) URLs, or the records of a JSONL file) to the corpus and publish the index with them, once",
  )
  .argument("[targets...]", "files, folders (every supported file under them), glob patterns or http(s) URLs")
  .option("--title <title>", "title to cite a single document by (default: from the document); with --jsonl, the field of each record's title (default: title)")
  .option("--jsonl <file>", "a JSONL collection (e.g. a BEIR corpus.jsonl): each record becomes a Markdown document titled by its title")
  .option("--id <field>", "with --jsonl: the field of each record's id, which names its document (default: _id)")
  .option("--text <field>", "with --jsonl: the field of each record's text (default: text)")
  .action(async (targets: string[], opts: AddOptions) => addCommand(context(), targets, opts));

program
  .command("sources")
  .description("list the documents in the index: id (what kpo remove takes), title, kind and chunks")
  .option("--json", "print JSON")
  .action(async (opts: { json?: boolean }) => sourcesCommand(context(), opts));

program
  .command("remove")
  .description("take a document out of the corpus (by its source id, the file name) and publish the index without it")
  .argument("<source>", "source id, e.g. policy.pdf (kpo sources lists them)")
  .action(async (id: string) => removeCommand(context(), id));

program
  .command("glossary")
  .description("list the glossary terms, or show one term's definition (aliases match; a typo shows the closest entry)")
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
  // --help and --version end here too, with code 0; commander has already printed usage errors.
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE_OR_ERROR);
  // Known failures get one clear line; anything else is a bug and keeps its stack.
  process.stderr.write(error instanceof AppError ? `kpo: ${error.message}\n` : `kpo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(EXIT_USAGE_OR_ERROR);
}
