import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { glob } from "tinyglobby";
import { CorpusError } from "../errors.ts";
import { formatOf, unsupportedMessage } from "./formats/index.ts";
import { decodeUtf8 } from "./formats/utf8.ts";
import type { NewDocument } from "./library.ts";

/**
 * Where a bulk import finds its documents: files, folders (every supported file under them) and
 * glob patterns, or the records of a JSONL collection such as a BEIR corpus.jsonl, each of which
 * becomes a Markdown document titled by its record's title.
 */

/** Which fields of a JSONL record hold the document id, its title and its text. */
export interface JsonlFields {
  id: string;
  title: string;
  text: string;
}

export const BEIR_FIELDS: JsonlFields = { id: "_id", title: "title", text: "text" };

/**
 * Each line of a JSONL file as a Markdown document `<id>.md`: `# <title>` (when the record has
 * one), a blank line, then the text. A line that is not a JSON object, or lacks the id or the text,
 * is an error naming the file, the line and the field.
 */
export async function jsonlDocuments(file: string, fields: JsonlFields, displayName = file): Promise<NewDocument[]> {
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new CorpusError(displayName, `cannot be read: ${error.code === "ENOENT" ? "no such file" : error.message}`);
  });
  const docs: NewDocument[] = [];
  decodeUtf8(bytes, displayName)
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (!line.trim()) return;
      const where = `line ${i + 1}`;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch (error) {
        throw new CorpusError(displayName, `${where} is not valid JSON: ${(error as Error).message}`);
      }
      if (!record || typeof record !== "object" || Array.isArray(record)) throw new CorpusError(displayName, `${where} is not a JSON object`);
      const value = (name: string, required: boolean): string | undefined => {
        const v = (record as Record<string, unknown>)[name];
        if (v === undefined || v === null || v === "") {
          if (required) throw new CorpusError(displayName, `${where} has no "${name}" field (choose the field with --${name === fields.id ? "id" : "text"})`);
          return undefined;
        }
        if (typeof v !== "string" && typeof v !== "number") throw new CorpusError(displayName, `${where}: field "${name}" must be text`);
        return String(v);
      };
      const id = value(fields.id, true)!;
      const title = value(fields.title, false)?.replace(/\s+/g, " ").trim();
      const text = value(fields.text, true)!;
      docs.push({ name: `${id}.md`, bytes: Buffer.from(`${title ? `# ${title}\n\n` : ""}${text.trim()}\n`), ...(title ? { title } : {}) });
    });
  if (docs.length === 0) throw new CorpusError(displayName, "holds no records");
  return docs;
}

/**
 * The files the targets name, in order and each once: a file as it is (addManyToCorpus refuses an
 * unsupported format), a folder's supported files at any depth (others are reported through `warn` and left
 * out), and a glob pattern's matches. A target that matches nothing is an error naming it.
 */
export async function documentFiles(targets: string[], cwd: string, warn: (message: string) => void = () => {}): Promise<string[]> {
  const files: string[] = [];
  const add = (file: string) => {
    if (!files.includes(file)) files.push(file);
  };
  for (const target of targets) {
    const resolved = path.resolve(cwd, target);
    const info = await stat(resolved).catch(() => undefined);
    if (info?.isFile()) {
      // Named on its own: an unsupported format is refused when the batch is checked, by the name it would have.
      add(resolved);
    } else if (info?.isDirectory()) {
      const found = (await readdir(resolved, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile() && !e.name.startsWith("."))
        .map((e) => path.join(e.parentPath, e.name))
        .sort();
      const unsupported = found.filter((f) => !formatOf(f));
      if (unsupported.length) warn(`${target}: ${unsupported.length} file(s) of an unsupported format left out: ${unsupported.slice(0, 5).map((f) => path.relative(cwd, f)).join(", ")}${unsupported.length > 5 ? ", ..." : ""}`);
      const supported = found.filter((f) => formatOf(f));
      if (supported.length === 0) throw new CorpusError(target, "holds no documents of a supported format");
      supported.forEach(add);
    } else {
      const matches = /[*?[\]{}]/.test(target) ? (await glob(target, { cwd, absolute: true, onlyFiles: true })).sort() : [];
      if (matches.length === 0) throw new CorpusError(target, info ? "is neither a file nor a folder" : /[*?[\]{}]/.test(target) ? "matches no files" : "no such file or folder");
      for (const match of matches) {
        if (formatOf(match)) add(match);
        else warn(`${path.relative(cwd, match)}: ${unsupportedMessage(match)}; left out`);
      }
    }
  }
  return files;
}

/** The documents in `files`, named by their file names (read one at a time: a folder may hold thousands). */
export async function readDocumentFiles(files: string[], cwd: string): Promise<NewDocument[]> {
  const docs: NewDocument[] = [];
  for (const file of files) {
    const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new CorpusError(path.relative(cwd, file), `cannot be read: ${error.message}`);
    });
    docs.push({ name: path.basename(file), bytes });
  }
  return docs;
}
