import { z } from "zod";
import type { ApiMetrics } from "../metrics.ts";
import { defineRoute, type AnyRouteSpec } from "../route.ts";
import { problemResponses } from "../schemas.ts";

/**
 * GET /metrics (Prometheus text: `metricsText`, this process's registry, or with WORKERS > 1 every
 * worker's summed) and GET /openapi.json (generated from the route specs).
 */
export function metaRoutes({ metrics, metricsText, openApiDocument }: { metrics: ApiMetrics; metricsText: () => Promise<string>; openApiDocument: () => unknown }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: "get",
      path: "/metrics",
      summary: "Prometheus metrics (text exposition format)",
      tags: ["operations"],
      responses: {
        200: { description: "Metrics", content: { "text/plain": { schema: z.string() } } },
        ...problemResponses(405, 500),
      },
      handler: async (_input, _req, res) => {
        const body = await metricsText();
        res.setHeader("Content-Type", metrics.registry.contentType);
        res.setHeader("Cache-Control", "no-store");
        res.send(body);
      },
    }),
    defineRoute({
      method: "get",
      path: "/openapi.json",
      summary: "This OpenAPI 3.1 document",
      tags: ["operations"],
      responses: {
        200: { description: "OpenAPI document", content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } },
        ...problemResponses(405),
      },
      handler: (_input, _req, res) => {
        res.json(openApiDocument());
      },
    }),
  ];
}
