import type { Assistant } from "../../assistant-types.ts";
import { HttpProblem } from "../problem.ts";
import { defineRoute, type AnyRouteSpec } from "../route.ts";
import { healthResponseSchema, jsonResponse, problemResponses, readyResponseSchema } from "../schemas.ts";

/** Liveness and readiness; both work before the assistant exists and need no API key. */
export function healthRoutes({ assistant }: { assistant: () => Assistant | undefined }): AnyRouteSpec[] {
  const startedAt = Date.now();
  return [
    defineRoute({
      method: "get",
      path: "/healthz",
      summary: "Liveness: 200 as soon as the process serves HTTP",
      tags: ["operations"],
      responses: { 200: jsonResponse("Up", healthResponseSchema), ...problemResponses(405) },
      handler: (_input, _req, res) => {
        res.setHeader("Cache-Control", "no-store");
        res.json({ status: "ok", uptimeSeconds: Math.round((Date.now() - startedAt) / 100) / 10 });
      },
    }),
    defineRoute({
      method: "get",
      path: "/readyz",
      summary: "Readiness: 503 until the index is loaded, 200 after",
      tags: ["operations"],
      responses: { 200: jsonResponse("Ready", readyResponseSchema), ...problemResponses(405, 503) },
      handler: (_input, _req, res) => {
        res.setHeader("Cache-Control", "no-store");
        const ready = assistant();
        if (!ready) throw notReady();
        res.json({ status: "ready", embedder: ready.status.embedder, defaultMode: ready.status.defaultMode });
      },
    }),
  ];
}

export function notReady(): HttpProblem {
  return new HttpProblem(503, "the index is still loading; retry shortly", { headers: { "Retry-After": "2" } });
}
