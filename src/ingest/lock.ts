import { mkdir, open, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { IndexError } from "../errors.ts";

const LOCK = "ingest.lock";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One corpus change and index build at a time per DATA_DIR, across processes (`kpo add` next
 * to a running server): DATA_DIR/ingest.lock holds the owner's pid; a lock left by a process
 * that died is taken over.
 */
export async function withIngestLock<T>(dataDir: string, fn: () => Promise<T>, options: { waitMs?: number } = {}): Promise<T> {
  const file = path.join(dataDir, LOCK);
  const deadline = Date.now() + (options.waitMs ?? 300_000);
  await mkdir(dataDir, { recursive: true });
  for (;;) {
    try {
      const handle = await open(file, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number((await readFile(file, "utf8").catch(() => "")).trim());
      if (owner && !alive(owner)) {
        await rm(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new IndexError(`another ingest (pid ${owner || "unknown"}) holds ${file}; wait for it to finish`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}
