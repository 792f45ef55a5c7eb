import { readFile, writeFile } from "node:fs/promises";

/**
 * One document changed, then changed back: two one-file re-ingests, each run by `ingestOnce`.
 * The added sentence names the moment it was written, so the first re-ingest embeds new text
 * (loading the model) as a real edit does, rather than finding it in the vector cache from an
 * earlier run; the second finds everything cached again.
 */
export async function oneFileReingests<T>(file: string, ingestOnce: () => Promise<T>): Promise<[changed: T, changedBack: T]> {
  const original = await readFile(file, "utf8");
  let changed: T;
  try {
    await writeFile(file, `${original}\nOne more sentence was added to this document at ${new Date().toISOString()} for the re-ingest measurement.\n`);
    changed = await ingestOnce();
  } finally {
    await writeFile(file, original);
  }
  return [changed, await ingestOnce()];
}
