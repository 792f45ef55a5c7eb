import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, rm, type FileHandle } from "node:fs/promises";
import path from "node:path";

/** Writes a file so that readers see either the old content or the new, never half of it. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await writeFileAtomicWith(file, (handle) => handle.writeFile(data));
}

/**
 * The same for content written piece by piece: `write` fills a temp file beside `file`, which
 * is flushed and renamed over it; on any error the temp file is removed and `file` is untouched.
 */
export async function writeFileAtomicWith(file: string, write: (handle: FileHandle) => Promise<void>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const handle = await open(tmp, "w");
    try {
      await write(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  await fsyncPath(path.dirname(file));
}

export async function fsyncPath(target: string): Promise<void> {
  const handle = await open(target, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes every file of a freshly written directory before it is published. */
export async function fsyncDir(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await fsyncPath(path.join(dir, name));
  await fsyncPath(dir);
}
