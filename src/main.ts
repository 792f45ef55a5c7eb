/**
 * `npm start`: reads the environment (the only place that does), then serves in this process
 * (WORKERS=1), or with WORKERS > 1 runs the cluster primary, which forks WORKERS copies of this
 * file that each serve (src/serve.ts) on the primary's port. The primary loads neither the API
 * nor an index: only what it needs to fork, restart, relay and sum (src/cluster/primary.ts).
 */
import cluster from "node:cluster";
import { fileURLToPath } from "node:url";
import { loadDotEnv } from "./config/project.ts";
import { loadSettings } from "./config/settings.ts";
import { AppError } from "./errors.ts";

/** Which place a worker fills (set by the primary when it forks; a replacement inherits it). */
export const WORKER_SLOT_ENV = "KPO_WORKER_SLOT";

async function main(): Promise<void> {
  loadDotEnv(process.cwd());
  const settings = loadSettings(process.env, process.cwd()); // a bad value throws a ConfigError naming it
  if (cluster.isWorker) {
    const { serve } = await import("./serve.ts");
    return serve(settings, { worker: { slot: Number(process.env[WORKER_SLOT_ENV] ?? 0) } });
  }
  if (settings.WORKERS > 1) {
    const { runPrimary } = await import("./cluster/primary.ts");
    return runPrimary(settings, { exec: fileURLToPath(import.meta.url), slotEnv: WORKER_SLOT_ENV });
  }
  const { serve } = await import("./serve.ts");
  return serve(settings);
}

main().catch((error: unknown) => {
  // Known errors carry a message naming the file or setting; anything else gets its stack on stderr.
  process.stderr.write(`kpo: ${error instanceof AppError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
