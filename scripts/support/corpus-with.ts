import { cp, mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { loadSettings, type Settings } from "../../src/config/settings.ts";
import { addToCorpus } from "../../src/corpus/library.ts";

/** The document formats an own-documents folder may hold (its README and question files are not documents). */
const DOCUMENT = /\.(html?|md|pdf|docx|txt)$/i;

/**
 * Settings over the project's corpus with every document of a folder added through the project's own
 * import path (what `kpo add` does), in a working folder of its own: how a company's documents are
 * measured next to the KPO corpus. The working folder's corpus is rebuilt each time; its index is reused
 * when the documents did not change.
 */
export async function corpusWith(rootDir: string, documentsDir: string, workDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Settings> {
  const corpusDir = path.join(workDir, "corpus");
  await rm(corpusDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  await cp(path.join(rootDir, "corpus"), corpusDir, { recursive: true, filter: (src) => !src.includes(`${path.sep}derived`) });
  for (const file of (await readdir(documentsDir)).filter((f) => DOCUMENT.test(f) && f !== "README.md").sort()) {
    await addToCorpus(corpusDir, workDir, { name: file, bytes: await readFile(path.join(documentsDir, file)) });
  }
  return loadSettings({ ...env, CORPUS_DIR: corpusDir, DATA_DIR: path.join(workDir, "data") }, workDir);
}
