import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Request, Response } from "express";
import { fileTypeFromBuffer } from "file-type";
import multer from "multer";
import { z } from "zod";
import type { Settings } from "../../config/settings.ts";
import { fetchDocument, FetchError } from "../../corpus/fetch.ts";
import { formatOf, SUPPORTED_EXTENSIONS, type Format } from "../../corpus/formats/index.ts";
import { CorpusError, DocumentLimitError } from "../../errors.ts";
import { documentStateSchema, type DocumentService } from "../../ingest/documents.ts";
import { sourceInfoSchema } from "../../schema/source.ts";
import { HttpProblem } from "../problem.ts";
import { defineRoute, JSON_TYPES, type AnyRouteSpec } from "../route.ts";
import { jsonResponse, problemResponses, sourceIdParamsSchema } from "../schemas.ts";

/**
 * Admin endpoints to add, list and remove corpus documents. An upload is checked by its
 * content (file-type), not its name alone; it is parsed before anything is written, and the
 * index is rebuilt in a child process and published atomically, so the server keeps
 * answering from the previous index throughout and a document that fails loses nothing.
 */

/** Documents one upload may carry (each at most MAX_UPLOAD_MB); more go in further requests. */
const MAX_FILES = 100;

const uploadFormSchema = z
  .object({
    file: z
      .array(z.string().meta({ format: "binary" }))
      .max(MAX_FILES)
      .optional()
      .meta({ description: `The document, or several documents in several \`file\` parts (up to ${MAX_FILES}, one index build): ${SUPPORTED_EXTENSIONS.join(", ")}` }),
    url: z.url().optional().meta({ description: "Instead of a file: an http(s) URL to fetch (public addresses only)" }),
    title: z.string().max(300).optional().meta({ description: "Title to cite a single document by (default: from the document)" }),
  })
  .meta({ id: "DocumentUpload" });
const urlRequestSchema = z.object({ url: z.url({ protocol: /^https?$/ }), title: z.string().trim().min(1).max(300).optional() }).strict();

const addedResponseSchema = z
  .object({
    /** The (first) document added. */
    source: sourceInfoSchema,
    replaced: z.boolean(),
    sources: z.array(sourceInfoSchema).meta({ description: "Every document of the request, in order, as published" }),
    ingest: z.object({ documents: z.number().int(), chunks: z.number().int(), embedded: z.number().int(), reused: z.number().int(), ms: z.number() }),
  })
  .meta({ id: "DocumentAdded" });
const listResponseSchema = z.object({ count: z.number().int(), documents: z.array(documentStateSchema) }).meta({ id: "DocumentList" });
const removedResponseSchema = z.object({ id: z.string(), ingest: z.object({ documents: z.number().int(), chunks: z.number().int(), ms: z.number() }) });

const SNIFFED: Partial<Record<Format, string>> = {
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
};

/** The format the bytes really are, checked against the file name: a renamed binary never reaches a parser. */
async function sniff(name: string, bytes: Buffer): Promise<string> {
  const detected = await fileTypeFromBuffer(bytes);
  const claimed = formatOf(name);
  if (!claimed) {
    const byContent = (Object.entries(SNIFFED) as [Format, string][]).find(([, mime]) => mime === detected?.mime)?.[0];
    if (byContent) return `${name}.${byContent}`;
    throw new HttpProblem(415, `${JSON.stringify(name)} is not a supported document type; send one of ${SUPPORTED_EXTENSIONS.join(", ")}`);
  }
  const expected = SNIFFED[claimed];
  if (expected && detected?.mime !== expected) {
    throw new HttpProblem(415, `${JSON.stringify(name)} does not contain a ${claimed.toUpperCase()} document (its content is ${detected ? detected.mime : "not a recognised binary format"})`);
  }
  if (!expected && detected && !/^(?:application\/xml|text\/)/.test(detected.mime)) {
    throw new HttpProblem(415, `${JSON.stringify(name)} should be text (${claimed}) but its content is ${detected.mime}`);
  }
  return name;
}

function runMulter(upload: multer.Multer, req: Request, res: Response, maxBytes: number): Promise<void> {
  return new Promise((resolve, reject) =>
    upload.array("file", MAX_FILES)(req, res, (error: unknown) => {
      if (!error) return resolve();
      if (error instanceof multer.MulterError) {
        if (error.code === "LIMIT_FILE_SIZE") return reject(new HttpProblem(413, `the document is larger than the ${Math.round((maxBytes / 1024 / 1024) * 100) / 100} MB limit (MAX_UPLOAD_MB)`, { limit: "MAX_UPLOAD_MB" }));
        if (error.code === "LIMIT_FILE_COUNT" || (error.code === "LIMIT_UNEXPECTED_FILE" && error.field === "file")) return reject(new HttpProblem(413, `more than ${MAX_FILES} documents in one request; send them in several`));
        return reject(new HttpProblem(400, `malformed upload: ${error.message}${error.field ? ` (field ${error.field})` : ""}; send each document in a multipart field "file"`));
      }
      reject(new HttpProblem(400, `malformed multipart body: ${(error as Error).message}`));
    }),
  );
}

/** Maps what the document service throws onto problems; a CorpusError names the file and the reason, a limit its setting. */
function asProblem(error: unknown): unknown {
  if (error instanceof DocumentLimitError) return new HttpProblem(error.status, error.message, { title: "Document over a limit", limit: error.setting });
  if (error instanceof CorpusError) return new HttpProblem(422, error.message, { title: "Document cannot be ingested" });
  if (error instanceof FetchError) return new HttpProblem(error.status, error.message);
  return error;
}

export function documentsRoutes(deps: { settings: Settings; documents?: DocumentService }): AnyRouteSpec[] {
  const maxBytes = Math.floor(deps.settings.MAX_UPLOAD_MB * 1024 * 1024);
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: MAX_FILES, fields: 5, fieldSize: 8 * 1024, parts: MAX_FILES + 5 } });
  const service = () => {
    if (!deps.documents) throw new HttpProblem(503, "document management is not available in this process");
    return deps.documents;
  };
  return [
    defineRoute({
      method: "post",
      path: "/v1/documents",
      summary: "Add a document (PDF, Word, HTML, Markdown, text) to the corpus and publish the index with it",
      description:
        "multipart/form-data with the document in field `file` (and optionally `title`), or several documents in several `file` parts (published with one index build, all or none), " +
        "or JSON `{url, title?}` to fetch a public http(s) URL. " +
        "The content is checked by sniffing, not only the extension. Answers once the new index is live. A document that cannot be parsed gets 422 " +
        "naming the reason, and the index is unchanged. It is read in a separate process under limits (docs/reliability.md): one over a size limit " +
        "(unzipped size, pages, characters) gets 413, one that takes too long or too much memory to read 422, each with `limit` naming the setting.",
      tags: ["documents"],
      secured: true,
      admin: true,
      form: uploadFormSchema,
      responses: {
        201: jsonResponse("Added (or replaced) and live", addedResponseSchema),
        ...problemResponses(400, 401, 403, 405, 413, 415, 422, 429, 500, 503),
      },
      handler: async (_input, req, res) => {
        const documents = service();
        let docs: { name: string; bytes: Buffer; url?: string; title?: string }[];
        if (req.is("multipart/form-data")) {
          await runMulter(upload, req, res, maxBytes);
          const fields = z.object({ title: z.string().trim().min(1).max(300).optional(), url: z.string().optional() }).safeParse(req.body ?? {});
          if (!fields.success) throw HttpProblem.validation("body", fields.error);
          const files = (req.files ?? []) as Express.Multer.File[];
          if (files.length === 0) throw new HttpProblem(400, 'send the document in the multipart field "file"');
          if (files.length > 1 && fields.data.title) throw new HttpProblem(400, "title names a single document; send several documents without it (each is titled from its own content)");
          docs = [];
          for (const file of files) docs.push({ name: await sniff(file.originalname, file.buffer), bytes: file.buffer, title: fields.data.title });
        } else if (req.is(JSON_TYPES)) {
          const parsed = urlRequestSchema.safeParse(req.body);
          if (!parsed.success) throw HttpProblem.validation("body", parsed.error);
          const fetched = await fetchDocument(parsed.data.url, { maxBytes, timeoutMs: deps.settings.FETCH_TIMEOUT_MS, allowPrivate: false }).catch((e: unknown) => {
            throw asProblem(e);
          });
          docs = [{ ...fetched, name: await sniff(fetched.name, fetched.bytes), title: parsed.data.title }];
        } else {
          throw new HttpProblem(415, "send multipart/form-data with the document in field \"file\", or JSON {\"url\": ...}", {
            headers: { "Accept-Post": "multipart/form-data, application/json" },
          });
        }
        res.locals.logFields = { document: docs[0]!.name, documents: docs.length, bytes: docs.reduce((n, d) => n + d.bytes.length, 0) };
        const report = await documents.addMany(docs).catch((e: unknown) => {
          throw asProblem(e);
        });
        const { documents: count, chunks, embedded, reused, ms } = report.ingest;
        res.status(201).location(`/v1/sources/${encodeURIComponent(report.sources[0]!.id)}`);
        res.json({ source: report.sources[0], replaced: report.replaced[0], sources: report.sources, ingest: { documents: count, chunks, embedded, reused, ms } });
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/documents",
      summary: "Every document in the corpus with its ingest state (indexed, pending, failed, unsupported)",
      tags: ["documents"],
      secured: true,
      admin: true,
      responses: { 200: jsonResponse("Documents", listResponseSchema), ...problemResponses(401, 403, 405, 429, 500, 503) },
      handler: async (_input, _req, res) => {
        const rows = await service().list(res.locals.assistant!.sources.list());
        res.json({ count: rows.length, documents: rows });
      },
    }),
    defineRoute({
      method: "delete",
      path: "/v1/documents/:id",
      summary: "Remove a document from the corpus and publish the index without it",
      tags: ["documents"],
      secured: true,
      admin: true,
      params: sourceIdParamsSchema,
      responses: { 200: jsonResponse("Removed; the index without it is live", removedResponseSchema), ...problemResponses(400, 401, 403, 404, 405, 422, 429, 500, 503) },
      handler: async ({ params }, _req, res) => {
        if (!formatOf(params.id) || path.basename(params.id) !== params.id || !res.locals.assistant!.sources.get(params.id)) {
          const inCorpus = await readFile(path.join(deps.settings.CORPUS_DIR, "sources", path.basename(params.id))).then(() => true, () => false);
          if (!inCorpus) throw new HttpProblem(404, `no document ${JSON.stringify(params.id)}; GET /v1/documents lists them`);
        }
        const removed = await service()
          .remove(params.id)
          .catch((e: unknown) => {
            throw asProblem(e);
          });
        res.json({ id: removed.id, ingest: { documents: removed.ingest.documents, chunks: removed.ingest.chunks, ms: removed.ingest.ms } });
      },
    }),
  ];
}
