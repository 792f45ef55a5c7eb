import { readFile } from "node:fs/promises";
import path from "node:path";
import { defineRoute, type AnyRouteSpec } from "../route.ts";
import { NotFoundError } from "../../errors.ts";
import { HttpProblem } from "../problem.ts";
import {
  jsonResponse,
  problemResponses,
  sourceDetailResponseSchema,
  sourceIdParamsSchema,
  sourcesResponseSchema,
  sourceTextResponseSchema,
} from "../schemas.ts";

export interface SourcesRouteDeps {
  /** The repository root: source paths (originals included) are relative to it. */
  rootDir: string;
}

export function sourcesRoutes({ rootDir }: SourcesRouteDeps): AnyRouteSpec[] {
  return [
    defineRoute({
      method: "get",
      path: "/v1/sources",
      summary: "The source documents of the corpus (manifest)",
      tags: ["sources"],
      secured: true,
      responses: {
        200: jsonResponse("Sources", sourcesResponseSchema),
        ...problemResponses(401, 405, 429, 500, 503),
      },
      handler: (_input, _req, res) => {
        const sources = res.locals.assistant!.sources.list();
        res.json({ count: sources.length, sources });
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/sources/:id",
      summary: "One source with its cleaned text and the raw offsets of each kept span",
      tags: ["sources"],
      secured: true,
      params: sourceIdParamsSchema,
      responses: {
        200: jsonResponse("The source", sourceDetailResponseSchema),
        ...problemResponses(400, 401, 404, 405, 429, 500, 503),
      },
      handler: ({ params }, _req, res) => {
        const source = res.locals.assistant!.sources.get(params.id);
        if (!source) throw NotFoundError.source(params.id);
        res.json(source);
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/sources/:id/text",
      summary: "One source's raw text, the very file citations quote (text.slice(start, end) === quote)",
      description:
        "The file at `path`, read as UTF-8, with the source's metadata and the raw ranges cleaning kept (`spans`); " +
        "the rest is page boilerplate that is never quoted. The web page uses it to show a cited passage in place.",
      tags: ["sources"],
      secured: true,
      params: sourceIdParamsSchema,
      responses: {
        200: jsonResponse("The source's raw text", sourceTextResponseSchema),
        ...problemResponses(400, 401, 404, 405, 429, 500, 503),
      },
      handler: async ({ params }, _req, res) => {
        const sources = res.locals.assistant!.sources;
        const detail = sources.get(params.id);
        const text = detail ? await sources.text(params.id) : undefined;
        if (!detail || text === undefined) throw NotFoundError.source(params.id);
        const { cleanedText: _cleaned, ...info } = detail;
        res.json({ ...info, text });
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/sources/:id/original",
      summary: "The source file as it was added (PDF, Word, HTML, Markdown or text), for download",
      tags: ["sources"],
      secured: true,
      params: sourceIdParamsSchema,
      responses: {
        200: { description: "The original file, as an attachment", content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } },
        ...problemResponses(400, 401, 404, 405, 429, 500, 503),
      },
      handler: async ({ params }, _req, res) => {
        const assistant = res.locals.assistant!;
        const source = assistant.sources.get(params.id);
        if (!source) throw NotFoundError.source(params.id);
        const bytes = await readFile(path.resolve(rootDir, source.originalPath)).catch(() => {
          throw new HttpProblem(404, `the original of ${source.id} (${source.originalPath}) is no longer on disk`);
        });
        // Always an attachment: an uploaded HTML page must not run as this origin's page.
        res.type(ORIGINAL_TYPES[source.format]).setHeader("Content-Disposition", `attachment; filename="${asciiName(source.id)}"`);
        res.send(bytes);
      },
    }),
  ];
}

const ORIGINAL_TYPES: Record<string, string> = {
  text: "text/plain; charset=utf-8",
  markdown: "text/markdown; charset=utf-8",
  html: "text/html; charset=utf-8",
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
};

const asciiName = (name: string) => name.replace(/[^\w.-]+/g, "_");
