import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { ConfigError } from "../errors.ts";

/**
 * Every setting the program reads, parsed once from the environment at start-up by the
 * composition root of each entry point. Handlers receive `Settings`; nothing else reads
 * `process.env`. `.env.example` documents each variable.
 */

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .transform((v) => v === "true" || v === "1" || v === "yes");
const list = z.string().transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const num = (min: number, max: number) => z.coerce.number().min(min).max(max);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

export const EMBEDDERS = ["use-lite", "openai"] as const;

export const settingsSchema = z.object({
  // where things live
  CORPUS_DIR: z.string().default("corpus"),
  DATA_DIR: z.string().default("data"),

  // ingestion and retrieval
  EMBEDDINGS: z.enum(EMBEDDERS, { message: `must be one of: ${EMBEDDERS.join(", ")}` }).default("use-lite"),
  OPENAI_EMBEDDINGS_MODEL: z.string().default("text-embedding-3-small"),
  INCLUDE_COMMENTS: bool.default(false),
  INCLUDE_FLAGGED_PASSAGES: bool.default(false),
  MAX_UPLOAD_MB: num(0.01, 1024).default(25),
  FETCH_TIMEOUT_MS: int(100, 600_000).default(15_000),
  // reading a document (src/corpus/formats/limits.ts)
  EXTRACT_MAX_ZIP_ENTRY_MB: num(0.01, 4096).default(50),
  EXTRACT_MAX_UNZIPPED_MB: num(0.01, 16_384).default(200),
  EXTRACT_MAX_PAGES: int(1, 1_000_000).default(2_000),
  EXTRACT_MAX_CHARS: int(1_000, 1_000_000_000).default(2_000_000),
  EXTRACT_TIMEOUT_MS: int(100, 3_600_000).default(60_000),
  EXTRACT_MAX_MEMORY_MB: int(64, 65_536).default(512),
  INDEX_RELOAD_POLL_MS: int(0, 3_600_000).default(1_000),
  FUSION: z.enum(["score", "rrf"], { message: "must be score or rrf" }).default("score"),
  RRF_K: int(1, 1000).default(10),
  WEIGHT_GLOSSARY: num(0, 10).default(1.2),
  WEIGHT_DENSE: num(0, 10).default(0.6),
  WEIGHT_BM25: num(0, 10).default(1),
  /** Unset: each index measures the breadth it needs for HNSW_RECALL_TARGET (src/index/hnsw-calibrate.ts). */
  HNSW_EF: int(10, 10_000).optional(),
  HNSW_RECALL_TARGET: num(0.5, 1).default(0.95),
  SENTENCE_VECTORS: z.enum(["auto", "ingest", "query"], { message: "must be auto, ingest or query" }).default("auto"),
  // Blank means one worker a core; 0 embeds in the ingesting process itself.
  EMBED_WORKERS: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? os.availableParallelism() : Number(v)))
    .pipe(z.number({ message: "must be a whole number of worker threads (0-64), or blank for one a core" }).int().min(0).max(64)),

  // answering
  OPENAI_API_KEY: optionalString,
  LLM_BASE_URL: optionalString.refine((v) => v === undefined || (/^https?:\/\//i.test(v) && URL.canParse(v)), {
    message: "must be an http(s) URL such as http://127.0.0.1:11434/v1",
  }),
  LLM_MODEL: z.string().default("gpt-4o-mini"),
  LLM_TIMEOUT_MS: int(100, 600_000).default(20_000),
  LLM_MAX_RETRIES: int(0, 10).default(1),
  LLM_TEMPERATURE: num(0, 2).default(0),
  LLM_CONDENSE_TIMEOUT_MS: int(100, 600_000).default(5_000),

  // HTTP API
  HOST: z.string().default("127.0.0.1"),
  PORT: int(0, 65_535).default(3000),
  API_KEYS: list.default([]),
  ADMIN_API_KEYS: list.default([]),
  RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(120),
  CORS_ORIGINS: list.default([]),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  LOG_QUESTIONS: bool.default(true),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  REQUEST_TIMEOUT_MS: int(1_000, 600_000).default(15_000),
  HEADERS_TIMEOUT_MS: int(500, 600_000).default(5_000),
  MAX_CONNECTIONS: int(1, 100_000).default(512),
  MCP_HTTP: bool.default(false),
  // Processes serving the one port (src/cluster/primary.ts): 1 is a single process, auto one a core.
  WORKERS: z
    .string()
    .default("1")
    .transform((v) => (v.trim().toLowerCase() === "auto" ? os.availableParallelism() : v.trim() === "" ? 1 : Number(v)))
    .pipe(z.number({ message: "must be auto or a whole number of processes (1-256)" }).int().min(1).max(256)),
  MAX_CONNECTIONS_PER_ADDRESS: int(1, 100_000).default(64),
  PUBLIC_ENDPOINTS: z
    .string()
    .default("metrics,openapi")
    .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(["metrics", "openapi"], { message: "lists only metrics and openapi (comma-separated), or is empty" }))),

  // shared state (several replicas)
  DATABASE_URL: optionalString,
  REDIS_URL: optionalString,
  ANSWER_CACHE_SIZE: int(0, 1_000_000).default(1000),
  ANSWER_CACHE_TTL_SECONDS: int(1, 30 * 24 * 3600).default(3600),
  GAP_SIMILARITY: num(0, 1).default(0.7),

  // Discord bot
  DISCORD_TOKEN: optionalString,
  DISCORD_APP_ID: optionalString,
  DISCORD_GUILD_ID: optionalString,
  DISCORD_ALLOWED_CHANNELS: list.default([]),
  DISCORD_API_BASE: optionalString,
  DISCORD_COOLDOWN_SECONDS: num(0, 3600).default(5),
});

export type Settings = z.output<typeof settingsSchema> & {
  /** Absolute repository root; citation paths are relative to it. */
  rootDir: string;
  /** True when an LLM is configured (OPENAI_API_KEY or LLM_BASE_URL). */
  llmConfigured: boolean;
};

/** Parses the environment; a bad value throws a ConfigError naming the variable. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env, rootDir = process.cwd()): Settings {
  const known = Object.fromEntries(
    Object.keys(settingsSchema.shape).flatMap((key) => (env[key] === undefined ? [] : [[key, env[key]]])),
  );
  const parsed = settingsSchema.safeParse(known);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? "environment");
    throw new ConfigError(name, `invalid value ${JSON.stringify(env[name])}: ${issue.message}`);
  }
  const s = parsed.data;
  if (s.EMBEDDINGS === "openai" && !s.OPENAI_API_KEY && !s.LLM_BASE_URL) {
    throw new ConfigError("EMBEDDINGS", "openai needs OPENAI_API_KEY (or LLM_BASE_URL for a local OpenAI-compatible server); set one, or use EMBEDDINGS=use-lite");
  }
  const root = path.resolve(rootDir);
  return {
    ...s,
    CORPUS_DIR: path.resolve(root, s.CORPUS_DIR),
    DATA_DIR: path.resolve(root, s.DATA_DIR),
    rootDir: root,
    llmConfigured: Boolean(s.OPENAI_API_KEY || s.LLM_BASE_URL),
  };
}
