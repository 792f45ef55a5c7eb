import { z } from "zod";
import { HttpProblem } from "../problem.ts";
import { defineRoute, type AnyRouteSpec } from "../route.ts";
import { answerResponseSchema, jsonResponse, problemResponses } from "../schemas.ts";

const answerIdParamsSchema = z.object({ id: z.string().min(1).max(100).meta({ description: "The answer's id (Answer.id)" }) });

/** GET /v1/answers/{id}: an answer issued earlier, as the question log kept it (the web page's permanent links). */
export function answersRoutes(): AnyRouteSpec[] {
  return [
    defineRoute({
      method: "get",
      path: "/v1/answers/:id",
      summary: "An answer issued earlier, exactly as it was given (its permanent link)",
      description:
        "Answers are kept in the question log with their citations, so a link to one shows the same answer later, even after the corpus changed. " +
        "Not kept when the server runs with LOG_QUESTIONS=false (then 404).",
      tags: ["answers"],
      secured: true,
      params: answerIdParamsSchema,
      responses: {
        200: jsonResponse("The answer", answerResponseSchema),
        ...problemResponses(400, 401, 404, 405, 429, 500, 503),
      },
      handler: async ({ params }, _req, res) => {
        const answer = await res.locals.assistant!.answer(params.id);
        if (!answer) throw new HttpProblem(404, `no answer ${JSON.stringify(params.id)} is kept; it was never issued, or issued while questions were kept out of the log`);
        // An issued answer never changes; it may be cached privately.
        res.setHeader("Cache-Control", "private, max-age=3600, immutable");
        res.json(answer);
      },
    }),
  ];
}
