import { defineRoute, type AnyRouteSpec } from "../route.ts";
import { gapReportResponseSchema, jsonResponse, problemResponses } from "../schemas.ts";

/** GET /v1/gaps: the coverage-gap report curators use to decide what to write next. */
export function gapsRoutes(): AnyRouteSpec[] {
  return [
    defineRoute({
      method: "get",
      path: "/v1/gaps",
      summary: "Coverage gaps: not-found and 👎 questions grouped by meaning (admin key)",
      description:
        "Groups questions answered not_found or rated down by meaning (the embedder and GAP_SIMILARITY), largest first, " +
        "each with a count, example wordings, first/last seen and the related glossary terms. Only questions whose text " +
        "was logged count (LOG_QUESTIONS=false keeps it out).",
      tags: ["feedback"],
      secured: true,
      admin: true,
      responses: {
        200: jsonResponse("The report", gapReportResponseSchema),
        ...problemResponses(401, 403, 405, 429, 500, 503),
      },
      handler: async (_input, _req, res) => {
        res.setHeader("Cache-Control", "no-store");
        res.json(await res.locals.assistant!.gaps());
      },
    }),
  ];
}
