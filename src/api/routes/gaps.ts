import { z } from "zod";
import { HttpProblem } from "../problem.ts";
import { defineRoute, type AnyRouteSpec } from "../route.ts";
import { gapReportResponseSchema, gapResolutionResponseSchema, jsonResponse, problemResponses } from "../schemas.ts";

const gapIdParamsSchema = z.object({ id: z.string().regex(/^[0-9a-f]{16}$/, "a gap id from GET /v1/gaps").meta({ description: "The group's id in the report" }) });

/** GET /v1/gaps: the coverage-gap report curators use to decide what to write next; POST .../resolve closes one. */
export function gapsRoutes(): AnyRouteSpec[] {
  return [
    defineRoute({
      method: "get",
      path: "/v1/gaps",
      summary: "Coverage gaps: not-found and 👎 questions grouped by meaning (admin key)",
      description:
        "Groups questions answered not_found or rated down by meaning (the embedder and GAP_SIMILARITY), largest first, " +
        "each with a count, example wordings, first/last seen and the related glossary terms. Only questions whose text " +
        "was logged count (LOG_QUESTIONS=false keeps it out). Refused questions (abuse, prompt extraction, instructions) never count. " +
        "A gap drops out once a curator resolves it, or once a question of it is answered after a corpus change; asked again " +
        "and still unanswered, it opens again. `resolved` lists the recently closed ones.",
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
    defineRoute({
      method: "post",
      path: "/v1/gaps/:id/resolve",
      summary: "Mark a coverage gap resolved (admin key): its questions stop counting until asked again unanswered",
      tags: ["feedback"],
      secured: true,
      admin: true,
      params: gapIdParamsSchema,
      responses: {
        201: jsonResponse("The resolution", gapResolutionResponseSchema),
        ...problemResponses(400, 401, 403, 404, 405, 413, 415, 429, 500, 503),
      },
      handler: async ({ params }, _req, res) => {
        const resolution = await res.locals.assistant!.resolveGap(params.id, res.locals.keyId ? { user: res.locals.keyId } : {});
        if (!resolution) throw new HttpProblem(404, `no open gap ${params.id}; it was resolved already or its questions changed; GET /v1/gaps lists the open ones`);
        res.locals.logFields = { gapId: params.id, questions: resolution.count };
        res.status(201).json(resolution);
      },
    }),
  ];
}
