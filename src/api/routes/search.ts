import type { Settings } from "../../config/settings.ts";
import { defineRoute, type AnyRouteSpec } from "../route.ts";
import { jsonResponse, problemResponses, searchQuerySchema, searchResponseSchema } from "../schemas.ts";

export function searchRoutes({ settings }: { settings: Pick<Settings, "LOG_QUESTIONS"> }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: "get",
      path: "/v1/search",
      summary: "Ranked passages for a query (hybrid: glossary + dense + BM25, fused)",
      tags: ["search"],
      secured: true,
      query: searchQuerySchema,
      responses: {
        200: jsonResponse("Ranked passages with source file, section, offsets and per-retriever scores", searchResponseSchema),
        ...problemResponses(400, 401, 405, 429, 500, 503),
      },
      handler: async ({ query }, _req, res) => {
        res.locals.logFields = { ...(settings.LOG_QUESTIONS ? { q: query.q } : {}), queryChars: query.q.length, k: query.k, mode: query.mode };
        const hits = await res.locals.assistant!.search(query.q, query.k, { mode: query.mode });
        res.json({ query: query.q, hits });
      },
    }),
  ];
}
