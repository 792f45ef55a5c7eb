import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../errors.ts";

/** What every entry point preloads (`node --import`): runs the TypeScript sources on any supported Node (natively, or through tsx on Node 20) with Node's compile cache on. */
export const PRELOAD = new URL("../preload.mjs", import.meta.url).href;

/**
 * Loads `.env` from the project folder when there is one (process.loadEnvFile). Variables
 * already in the environment win over the file, as with `node --env-file`.
 */
export function loadDotEnv(dir: string): void {
  const file = path.join(dir, ".env");
  if (!existsSync(file)) return;
  try {
    process.loadEnvFile(file);
  } catch (error) {
    throw new ConfigError(file, `cannot be read as KEY=value lines: ${(error as Error).message}`);
  }
}

/**
 * The project folder a command works in: the current folder or the nearest parent holding
 * corpus/sources, so `kpo` works from any subfolder. With CORPUS_DIR set, the current folder
 * (paths are relative to it). Otherwise a clear error naming the settings to use.
 */
export function findProjectRoot(cwd: string, env: NodeJS.ProcessEnv): string {
  if (env.CORPUS_DIR) return cwd;
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "corpus", "sources"))) return dir;
    if (path.dirname(dir) === dir) break;
  }
  throw new ConfigError(
    "CORPUS_DIR",
    `no corpus/sources folder in ${cwd} or any folder above it; run kpo inside the project folder, or set CORPUS_DIR (and DATA_DIR) to the corpus and index folders`,
  );
}

/** The version in package.json (what `kpo --version` prints and the MCP server reports). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}
