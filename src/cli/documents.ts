import path from "node:path";
import type { Logger } from "pino";
import type { Settings } from "../config/settings.ts";
import { fetchDocument } from "../corpus/fetch.ts";
import { createEmbedder } from "../embed/factory.ts";
import { BEIR_FIELDS, documentFiles, jsonlDocuments, readDocumentFiles } from "../corpus/collection.ts";
import type { NewDocument } from "../corpus/library.ts";
import { AppError } from "../errors.ts";
import { DocumentService } from "../ingest/documents.ts";
import { ingest } from "../ingest/pipeline.ts";
import { indexOptionsFromSettings } from "../store/index-options.ts";
import { embeddingProgressBar } from "./progress.ts";

type Context = { settings: Settings; logger: Logger };

/** The CLI builds in this process (it serves nobody meanwhile); a running server picks the new index up from DATA_DIR/CURRENT. */
function service(settings: Settings, logger: Logger) {
  const embedder = createEmbedder(settings);
  const progress = embeddingProgressBar();
  // The build lock and vector cache of every build (PostgreSQL's with DATABASE_URL).
  const { lock, openVectorCache, close } = indexOptionsFromSettings(settings, logger);
  const documents = new DocumentService(
    settings,
    (s) => ingest(s, embedder, { onProgress: progress.onProgress, warn: (m) => process.stderr.write(`warning: ${m}\n`), ...(openVectorCache ? { openVectorCache } : {}) }),
    () => {},
    lock,
    // Ctrl-C before the new index is published puts the corpus back as it was.
    { undoOnInterrupt: true },
  );
  return {
    documents,
    progress,
    close: async () => {
      progress.stop();
      await embedder.close?.();
      await close();
    },
  };
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

export interface AddOptions {
  /** One document: the title to cite it by. With `jsonl`: the field holding each record's title. */
  title?: string;
  /** A JSONL collection to import, one document a record. */
  jsonl?: string;
  /** With `jsonl`: the fields holding each record's id and text. */
  id?: string;
  text?: string;
}

export async function addCommand(ctx: Context, targets: string[], opts: AddOptions): Promise<void> {
  const { settings } = ctx;
  const warn = (m: string) => process.stderr.write(`warning: ${m}\n`);
  const cwd = process.cwd();
  const docs: NewDocument[] = [];
  if (opts.jsonl) {
    const fields = { id: opts.id ?? BEIR_FIELDS.id, title: opts.title ?? BEIR_FIELDS.title, text: opts.text ?? BEIR_FIELDS.text };
    docs.push(...(await jsonlDocuments(path.resolve(cwd, opts.jsonl), fields, opts.jsonl)));
  } else if (opts.id || opts.text) {
    throw new AppError("usage", "--id and --text name the fields of --jsonl records; give --jsonl too");
  }
  const urls = targets.filter((t) => /^https?:\/\//i.test(t));
  for (const url of urls) {
    // A person at a terminal may add intranet pages, so private addresses are allowed here (not over HTTP).
    docs.push(await fetchDocument(url, { maxBytes: Math.floor(settings.MAX_UPLOAD_MB * 1024 * 1024), timeoutMs: settings.FETCH_TIMEOUT_MS, allowPrivate: true }));
  }
  docs.push(...(await readDocumentFiles(await documentFiles(targets.filter((t) => !urls.includes(t)), cwd, warn), cwd)));
  if (docs.length === 0) throw new AppError("usage", "name a file, folder, glob pattern or URL to add, or --jsonl <file>");
  if (opts.title && !opts.jsonl && docs.length > 1) throw new AppError("usage", `--title names one document, but ${docs.length} were given`);
  if (opts.title && !opts.jsonl) docs[0]!.title = opts.title;

  const { documents, progress, close } = service(settings, ctx.logger);
  try {
    const report = await documents.addMany(docs, progress.onProgress).finally(progress.stop);
    const summary = report.ingest;
    const published = `Index published: ${summary.documents} documents, ${summary.chunks} chunks; embedded ${summary.embedded} new texts, reused ${summary.reused}, in ${(summary.ms / 1000).toFixed(1)} s.`;
    if (docs.length > 1) {
      const replaced = report.replaced.filter(Boolean).length;
      const empty = report.sources.filter((s) => s.chunks === 0).map((s) => s.id);
      process.stdout.write(
        [
          `Added ${docs.length} documents (${docs.length - replaced} new, ${replaced} replaced), one index build.`,
          `  ${published}`,
          ...(empty.length ? [`  warning: no text left to index in ${empty.length}: ${empty.slice(0, 10).join(", ")}${empty.length > 10 ? ", ..." : ""}`] : []),
          "",
        ].join("\n"),
      );
      return;
    }
    const source = report.sources[0]!;
    const cite = source.format === "pdf" ? " (PDF citations also carry the page)" : source.path !== source.originalPath ? " (the text rendition of the original)" : "";
    process.stdout.write(
      [
        `${report.replaced[0] ? "Replaced" : "Added"} ${source.id} (${source.format}): "${source.title}"${source.publisher ? `, ${source.publisher}` : ""}.`,
        `  ${source.chunks} chunks indexed; ${percent(source.droppedShare)} of the original's text dropped as navigation, ads or other boilerplate.`,
        `  ${published}`,
        `  Citations point at ${source.path}${cite}; the original is ${source.originalPath}.`,
        `  Try: kpo ask "<a question it answers>"   Undo: kpo remove ${source.id}`,
        ...(source.chunks === 0 ? ["  warning: no article text was left after cleaning; nothing from it can be cited"] : []),
        "",
      ].join("\n"),
    );
  } finally {
    await close();
  }
}

export async function removeCommand(ctx: Context, id: string): Promise<void> {
  const { documents, close } = service(ctx.settings, ctx.logger);
  try {
    const { ingest: summary } = await documents.remove(path.basename(id));
    process.stdout.write(`Removed ${path.basename(id)}. Index published: ${summary.documents} documents, ${summary.chunks} chunks.\n`);
  } finally {
    await close();
  }
}
