import { defineRoute, type AnyRouteSpec } from "../route.ts";
import { feedbackRequestSchema, feedbackResponseSchema, jsonResponse, problemResponses } from "../schemas.ts";

export function feedbackRoutes(): AnyRouteSpec[] {
  return [
    defineRoute({
      method: "post",
      path: "/v1/feedback",
      summary: "Rate an answer (stored durably, append-only, in DATA_DIR)",
      tags: ["feedback"],
      secured: true,
      body: feedbackRequestSchema,
      responses: {
        201: jsonResponse("The stored feedback record", feedbackResponseSchema),
        ...problemResponses(400, 401, 405, 413, 415, 429, 500, 503),
      },
      handler: async ({ body }, _req, res) => {
        const record = await res.locals.assistant!.feedback.record(body, {
          channel: "api",
          ...(res.locals.keyId ? { user: res.locals.keyId } : {}),
        });
        res.locals.logFields = { feedbackId: record.id, answerId: record.answerId, rating: record.rating };
        res.status(201).json(record);
      },
    }),
  ];
}
