import { z } from "zod";
import { defineRoute, type AnyRouteSpec } from "../route.ts";
import {
  feedbackAmendmentRequestSchema,
  feedbackListResponseSchema,
  feedbackRequestSchema,
  feedbackResponseSchema,
  jsonResponse,
  problemResponses,
} from "../schemas.ts";

const feedbackIdParamsSchema = z.object({ id: z.string().min(1).max(100).meta({ description: "The id POST /v1/feedback returned" }) });

export const feedbackListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).meta({ description: "How many records, newest first (1-500)", example: 50 }),
});

export function feedbackRoutes(): AnyRouteSpec[] {
  return [
    defineRoute({
      method: "post",
      path: "/v1/feedback",
      summary: "Rate an answer this service issued (stored durably before the 201)",
      description: "The answerId must be the id of an answer /v1/ask (or the bot) returned; any other id is refused with 404.",
      tags: ["feedback"],
      secured: true,
      body: feedbackRequestSchema,
      responses: {
        201: jsonResponse("The stored feedback record", feedbackResponseSchema),
        ...problemResponses(400, 401, 404, 405, 413, 415, 429, 500, 503),
      },
      handler: async ({ body }, _req, res) => {
        res.locals.logFields = { answerId: body.answerId, rating: body.rating, ...(body.reason ? { reason: body.reason } : {}) };
        const record = await res.locals.assistant!.feedback.record(body, {
          channel: "api",
          ...(res.locals.keyId ? { user: res.locals.keyId } : {}),
        });
        res.locals.logFields.feedbackId = record.id;
        res.status(201).json(record);
      },
    }),
    defineRoute({
      method: "patch",
      path: "/v1/feedback/:id",
      summary: "Add a reason to a rating already recorded (one-click reason and/or the rater's own words)",
      description:
        "A rating counts as soon as it is posted; why may follow. Only the same client (the same API key, or none) may amend a record; " +
        "any other id answers 404.",
      tags: ["feedback"],
      secured: true,
      params: feedbackIdParamsSchema,
      body: feedbackAmendmentRequestSchema,
      responses: {
        200: jsonResponse("The feedback record with its reason", feedbackResponseSchema),
        ...problemResponses(400, 401, 404, 405, 413, 415, 429, 500, 503),
      },
      handler: async ({ params, body }, _req, res) => {
        res.locals.logFields = { feedbackId: params.id, ...(body.reason ? { reason: body.reason } : {}) };
        const record = await res.locals.assistant!.feedback.amend(params.id, body, {
          channel: "api",
          ...(res.locals.keyId ? { user: res.locals.keyId } : {}),
        });
        res.json(record);
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/feedback",
      summary: "Recent feedback with the question and status of each rated answer (admin key)",
      tags: ["feedback"],
      secured: true,
      admin: true,
      query: feedbackListQuerySchema,
      responses: {
        200: jsonResponse("Feedback, newest first", feedbackListResponseSchema),
        ...problemResponses(400, 401, 403, 405, 429, 500, 503),
      },
      handler: async ({ query }, _req, res) => {
        res.setHeader("Cache-Control", "no-store");
        const items = await res.locals.assistant!.feedback.list(query.limit);
        res.json({ count: items.length, items });
      },
    }),
  ];
}
