import { defineRoute, type AnyRouteSpec } from "../route.ts";
import { NotFoundError } from "../../errors.ts";
import {
  glossaryEntryResponseSchema,
  glossaryListQuerySchema,
  glossaryListResponseSchema,
  glossaryTermParamsSchema,
  jsonResponse,
  problemResponses,
} from "../schemas.ts";

export function glossaryRoutes(): AnyRouteSpec[] {
  return [
    defineRoute({
      method: "get",
      path: "/v1/glossary",
      summary: "Glossary entries, sorted by term (optionally filtered by ?q=, typo-tolerant with &fuzzy=true)",
      tags: ["glossary"],
      secured: true,
      query: glossaryListQuerySchema,
      responses: {
        200: jsonResponse("Glossary entries", glossaryListResponseSchema),
        ...problemResponses(400, 401, 405, 429, 500, 503),
      },
      handler: ({ query }, _req, res) => {
        const glossary = res.locals.assistant!.glossary;
        const entries = glossary.list(query.q || undefined);
        if (query.q && query.fuzzy) {
          // Search as you type: what contains the text first, then the closest spellings.
          const seen = new Set(entries.map((e) => e.slug));
          entries.push(...glossary.suggest(query.q, 10).filter((e) => !seen.has(e.slug)));
        }
        res.json({ count: entries.length, entries });
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/glossary/:term",
      summary: "One glossary entry by term or alias (case- and punctuation-insensitive)",
      description: "404 answers carry `suggestions`: the closest terms by spelling.",
      tags: ["glossary"],
      secured: true,
      params: glossaryTermParamsSchema,
      responses: {
        200: jsonResponse("The entry", glossaryEntryResponseSchema),
        ...problemResponses(400, 401, 404, 405, 429, 500, 503),
      },
      handler: ({ params }, _req, res) => {
        const glossary = res.locals.assistant!.glossary;
        const entry = glossary.lookup(params.term);
        if (!entry) throw NotFoundError.term(params.term, glossary.suggest(params.term, 5).map((e) => e.term));
        res.json(entry);
      },
    }),
  ];
}
