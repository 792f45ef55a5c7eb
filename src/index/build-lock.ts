import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import lockfile from "proper-lockfile";
import { ConfigError } from "../errors.ts";

/** Takes the build lock, waiting while another process holds it; resolves to its release. */
export type BuildLock = () => Promise<() => Promise<void>>;

/**
 * One index builder at a time over a DATA_DIR: a lock directory (DATA_DIR/build.lock) kept
 * fresh while held, so a builder killed with -9 leaves a lock that goes stale after 30 s
 * instead of blocking every later start.
 */
export function fileBuildLock(dataDir: string, options: { wait?: boolean } = {}): BuildLock {
  return async () => {
    await mkdir(dataDir, { recursive: true });
    const release = await lockfile.lock(dataDir, {
      lockfilePath: path.join(dataDir, "build.lock"),
      realpath: false,
      stale: 30_000,
      update: 5_000,
      retries: options.wait === false ? 0 : { retries: 2_000, minTimeout: 250, maxTimeout: 1_000 },
      onCompromised: () => undefined, // the build itself still publishes atomically
    });
    return release;
  };
}

/** Runs `fn` holding `lock`: corpus changes and index builds (`kpo add`, `kpo ingest`, uploads, a start-up build) take it. */
export async function withBuildLock<T>(lock: BuildLock, fn: () => Promise<T>): Promise<T> {
  const release = await lock();
  try {
    return await fn();
  } finally {
    await release();
  }
}

/** Fails at once, in one line, when DATA_DIR cannot be written (instead of after embedding the corpus). */
export async function assertWritable(dataDir: string): Promise<void> {
  const probe = path.join(dataDir, `.write-probe-${process.pid}-${randomBytes(3).toString("hex")}`);
  try {
    await mkdir(dataDir, { recursive: true });
    await writeFile(probe, "");
    await unlink(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError("DATA_DIR", `${dataDir} is not writable (${code}), and the index must be built there; fix its permissions or point DATA_DIR at a writable folder`);
  }
}

/**
 * Removes what a crashed ingest leaves behind: unpublished `.building-*` folders, `index-*`
 * folders CURRENT no longer names, and `*.tmp` files of interrupted atomic writes. Call it
 * only while holding the build lock, so no running build loses its work.
 */
export async function removeLeftovers(dataDir: string): Promise<string[]> {
  const current = (await readFile(path.join(dataDir, "CURRENT"), "utf8").catch(() => "")).trim();
  const removed: string[] = [];
  for (const dir of [dataDir, path.join(dataDir, "vectors")]) {
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const entry of entries) {
      const leftover =
        entry.startsWith(".building-") || entry.endsWith(".tmp") || (dir === dataDir && entry.startsWith("index-") && current !== "" && entry !== current);
      if (!leftover) continue;
      await rm(path.join(dir, entry), { recursive: true, force: true }).then(
        () => removed.push(path.join(dir, entry)),
        () => undefined,
      );
    }
  }
  return removed;
}
