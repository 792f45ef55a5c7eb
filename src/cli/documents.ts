import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { Settings } from "../config/settings.ts";
import { fetchDocument } from "../corpus/fetch.ts";
import { createEmbedder } from "../embed/factory.ts";
import { CorpusError } from "../errors.ts";
import { DocumentService } from "../ingest/documents.ts";
import { ingest } from "../ingest/pipeline.ts";
import { indexOptionsFromSettings } from "../store/index-options.ts";
import { embeddingProgressBar } from "./progress.ts";

type Context = { settings: Settings; logger: Logger };

/** The CLI builds in this process (it serves nobody meanwhile); a running server picks the new index up from DATA_DIR/CURRENT. */
function service(settings: Settings, logger: Logger) {
  const embedder = createEmbedder(settings);
  const bar = embeddingProgressBar();
  // The build lock and vector cache of every build (PostgreSQL's with DATABASE_URL).
  const { lock, openVectorCache, close } = indexOptionsFromSettings(settings, logger);
  const documents = new DocumentService(
    settings,
    (s) =>
      ingest(s, embedder, { onProgress: bar.onProgress, warn: (m) => process.stderr.write(`warning: ${m}\n`), ...(openVectorCache ? { openVectorCache } : {}) }).finally(
        bar.stop,
      ),
    () => {},
    lock,
    // Ctrl-C before the new index is published puts the corpus back as it was.
    { undoOnInterrupt: true },
  );
  return {
    documents,
    close: async () => {
      await embedder.close?.();
      await close();
    },
  };
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

export async function addCommand(ctx: Context, target: string, opts: { title?: string }): Promise<void> {
  const { settings } = ctx;
  const isUrl = /^https?:\/\//i.test(target);
  let doc: { name: string; bytes: Buffer; url?: string };
  if (isUrl) {
    // A person at a terminal may add intranet pages, so private addresses are allowed here (not over HTTP).
    doc = await fetchDocument(target, { maxBytes: Math.floor(settings.MAX_UPLOAD_MB * 1024 * 1024), timeoutMs: settings.FETCH_TIMEOUT_MS, allowPrivate: true });
  } else {
    const file = path.resolve(process.cwd(), target);
    const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new CorpusError(target, `cannot be read: ${error.code === "ENOENT" ? "no such file" : error.message}`);
    });
    doc = { name: path.basename(file), bytes };
  }
  const { documents, close } = service(settings, ctx.logger);
  try {
    const report = await documents.add({ ...doc, title: opts.title });
    const { source, ingest: summary } = report;
    const cite = source.format === "pdf" ? " (PDF citations also carry the page)" : source.path !== source.originalPath ? " (the text rendition of the original)" : "";
    process.stdout.write(
      [
        `${report.replaced ? "Replaced" : "Added"} ${source.id} (${source.format}): "${source.title}"${source.publisher ? `, ${source.publisher}` : ""}.`,
        `  ${source.chunks} chunks indexed; ${percent(source.droppedShare)} of the original's text dropped as navigation, ads or other boilerplate.`,
        `  Index published: ${summary.documents} documents, ${summary.chunks} chunks; embedded ${summary.embedded} new texts, reused ${summary.reused}, in ${(summary.ms / 1000).toFixed(1)} s.`,
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
