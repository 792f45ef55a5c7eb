import { OpenAPIRegistry, type ResponseConfig } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { answerModeSchema, answerSchema, askOptionsSchema, citationSchema, questionSchema } from "../schema/answer.ts";
import { conversationTurnSchema, MAX_HISTORY_TURNS } from "../schema/conversation.ts";
import { feedbackAmendmentSchema, feedbackInputSchema, feedbackListItemSchema, feedbackRecordSchema, gapReportSchema, gapResolutionSchema } from "../schema/feedback.ts";
import { glossaryEntrySchema } from "../schema/glossary.ts";
import { searchHitSchema, searchModeSchema } from "../schema/passage.ts";
import { sourceDetailSchema, sourceInfoSchema, sourceTextSchema } from "../schema/source.ts";
import { PROBLEM_CONTENT_TYPE } from "./problem.ts";

/**
 * Request and response schemas of the HTTP API. Each exported schema is the very object the
 * routes validate with AND the one the OpenAPI document is generated from. Names and docs are
 * zod 4 metadata (`.meta({ id })`, which zod-to-openapi reads), so nothing patches zod's
 * prototypes (schemas built before such a patch would lack `.openapi`). `.meta` returns a
 * copy carrying the component id; routes validate with that exported copy.
 * Shared domain schemas (Answer, SearchHit, ...) come from src/schema and are not redefined.
 */

/** Raw components (security scheme); each app builds its own route registry with this one as parent. */
export const componentRegistry = new OpenAPIRegistry();

/** Every named component schema, so the document lists them even if no route refers to one. */
export const componentSchemas: z.ZodType[] = [];

function component<S extends z.ZodType>(id: string, schema: S): S {
  const named = schema.meta({ id }) as S;
  componentSchemas.push(named);
  return named;
}

componentRegistry.registerComponent("securitySchemes", "bearerAuth", {
  type: "http",
  scheme: "bearer",
  description: "One of the keys in API_KEYS. Required on /v1/* only when API_KEYS is set.",
});
componentRegistry.registerComponent("securitySchemes", "adminBearerAuth", {
  type: "http",
  scheme: "bearer",
  description: "One of the keys in ADMIN_API_KEYS. Admin endpoints are turned off when it is empty.",
});

// ---- shared domain schemas (reused, registered under component names) ----

export const answerResponseSchema = component(
  "Answer",
  answerSchema.extend({
    resolvedQuestion: answerSchema.shape.resolvedQuestion.meta({
      description:
        "The standalone question actually answered: a follow-up resolved against `history` (\"and its risks?\" -> \"What are the risks of BPO?\"), else the question itself. Surfaces show it when it differs from what was typed.",
    }),
  }),
);
export const citationComponentSchema = component("Citation", citationSchema);
export const searchHitComponentSchema = component("SearchHit", searchHitSchema);
export const glossaryEntryResponseSchema = component("GlossaryEntry", glossaryEntrySchema);
export const sourceInfoComponentSchema = component("SourceInfo", sourceInfoSchema);
export const sourceDetailResponseSchema = component("SourceDetail", sourceDetailSchema);
export const sourceTextResponseSchema = component("SourceText", sourceTextSchema);
export const feedbackRequestSchema = component("FeedbackInput", feedbackInputSchema.strict());
export const feedbackResponseSchema = component("FeedbackRecord", feedbackRecordSchema);
export const feedbackAmendmentRequestSchema = component("FeedbackAmendment", feedbackAmendmentSchema);
export const feedbackListItemComponentSchema = component("FeedbackListItem", feedbackListItemSchema);
export const feedbackListResponseSchema = component(
  "FeedbackList",
  z.object({ count: z.number().int(), items: z.array(feedbackListItemComponentSchema) }),
);
export const gapReportResponseSchema = component("GapReport", gapReportSchema);
export const gapResolutionResponseSchema = component("GapResolution", gapResolutionSchema);

// ---- text people type ----

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Control characters (Cc) other than tab and newline; a carriage return only as part of a CRLF line break. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|\r(?!\n)/;

const codePoint = (char: string) => `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;

/**
 * Why typed text cannot be taken, or undefined: a lone surrogate (not Unicode text at all) or a
 * control character other than tab and newline. Such text is refused, never silently cleaned, so
 * what is answered, logged and cached is what was sent. Invalid UTF-8 is caught before JSON
 * parsing replaces it (src/api/utf8-body.ts).
 */
export function textFault(text: string): string | undefined {
  const lone = LONE_SURROGATE.exec(text);
  if (lone) return `contains a lone surrogate (${codePoint(lone[0])} at character ${lone.index + 1}); send well-formed Unicode text`;
  const control = CONTROL.exec(text);
  if (control) return `contains the control character ${codePoint(control[0])} at character ${control.index + 1}; only tab and newline are allowed`;
  return undefined;
}

/** The zod refinement for every field of typed text (a question, a history turn): `.superRefine(wellFormedText)`. */
export function wellFormedText(value: string, ctx: z.RefinementCtx): void {
  const fault = textFault(value);
  if (fault) ctx.addIssue({ code: "custom", message: fault });
}

/** A string field of typed text: trimmed, `min`-`max` characters, well-formed (see textFault). */
export const typedText = (max: number, min = 1) => z.string().trim().min(min).max(max).superRefine(wellFormedText);

// ---- requests ----

export const conversationTurnComponentSchema = component("ConversationTurn", conversationTurnSchema);

export const askRequestSchema = component(
  "AskRequest",
  askOptionsSchema
    .extend({
      question: typedText(2000).meta({ example: "What does KPO stand for?" }),
      mode: answerModeSchema.optional().meta({ description: "Answer mode; defaults to the server's mode (llm when one is configured)." }),
      history: z
        .array(conversationTurnComponentSchema)
        .max(MAX_HISTORY_TURNS)
        .optional()
        .meta({
          description:
            "Earlier turns of the conversation, oldest first (at most 10). The API keeps no state: send them with every follow-up. " +
            "A follow-up (\"and its risks?\") is resolved against them and the answer's `resolvedQuestion` says what was answered.",
          example: [{ question: "What is BPO?", answer: "Business process outsourcing (BPO) is the contracting of routine operational tasks ... [1]" }],
        }),
    })
    .strict(),
);
export type AskRequest = z.infer<typeof askRequestSchema>;

export const searchQuerySchema = z.object({
  q: typedText(2000).meta({ description: "Search text", example: "knowledge process outsourcing" }),
  k: z.coerce.number().int().min(1).max(100).optional().meta({ description: "How many passages (1-100)", example: 5 }),
  mode: searchModeSchema.optional().meta({ description: "Which retrievers run: lexical (BM25 and glossary names), dense (embeddings) or hybrid (all, fused; the default)" }),
});

export const glossaryListQuerySchema = z.object({
  q: z.string().trim().max(200).optional().meta({ description: "Keep entries whose term or aliases contain this (case-insensitive)" }),
  fuzzy: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true")
    .meta({ description: "With q: after the entries containing q, add the closest spellings (typos, prefixes), best first" }),
});

export const glossaryTermParamsSchema = z.object({
  term: z.string().min(1).max(200).meta({ description: "Term, alias or slug; case and punctuation are ignored", example: "K.P.O." }),
});

export const sourceIdParamsSchema = z.object({
  id: z.string().min(1).max(200).meta({ description: "Source id (its file name)", example: "000_07027fcb20a76bf4.txt" }),
});

// ---- responses ----

export const searchResponseSchema = component(
  "SearchResponse",
  z.object({
    query: z.string(),
    hits: z.array(searchHitComponentSchema).meta({ description: "Ranked passages, best first" }),
  }),
);

export const glossaryListResponseSchema = component(
  "GlossaryList",
  z.object({ count: z.number().int(), entries: z.array(glossaryEntryResponseSchema) }),
);

export const sourcesResponseSchema = component(
  "SourceList",
  z.object({ count: z.number().int(), sources: z.array(sourceInfoComponentSchema) }),
);

export const healthResponseSchema = component(
  "Health",
  z.object({ status: z.literal("ok"), uptimeSeconds: z.number() }),
);

export const readyResponseSchema = component(
  "Ready",
  z.object({ status: z.literal("ready"), embedder: z.string(), defaultMode: answerModeSchema }),
);

export const problemSchema = component(
  "Problem",
  z
    .object({
      type: z.string().meta({ description: "Problem type URI", example: "urn:kpo:problem:validation" }),
      title: z.string(),
      status: z.number().int(),
      detail: z.string().optional(),
      instance: z.string().optional(),
      requestId: z.string().optional().meta({ description: "Same as the X-Request-Id response header" }),
      issues: z
        .array(
          z.object({
            in: z.enum(["body", "query", "path"]),
            path: z.array(z.union([z.string(), z.number()])),
            pointer: z.string().meta({ description: "RFC 6901 JSON pointer into the input" }),
            code: z.string(),
            message: z.string(),
          }),
        )
        .optional()
        .meta({ description: "Validation issues (400 only), with their field paths" }),
      suggestions: z.array(z.string()).optional().meta({ description: "Close glossary terms (404 on /v1/glossary/{term})" }),
      allowed: z.array(z.string()).optional().meta({ description: "Allowed methods (405)" }),
      limit: z.string().optional().meta({ description: "The setting a document is over (413/422 on POST /v1/documents), e.g. EXTRACT_MAX_PAGES", example: "EXTRACT_MAX_PAGES" }),
    })
    .meta({ description: "RFC 9457 problem details" }),
);

/** Payloads of the Server-Sent Events of POST /v1/ask with Accept: text/event-stream. */
export const sseCitationsEventSchema = component(
  "SseCitationsEvent",
  z.object({ citations: z.array(citationComponentSchema) }).meta({ description: "`event: citations` (first)" }),
);
export const sseDeltaEventSchema = component(
  "SseDeltaEvent",
  z.object({ text: z.string() }).meta({ description: "`event: delta` (text appended to the answer, in order)" }),
);

// ---- OpenAPI helpers for routes ----

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: "Malformed JSON or invalid input (zod issues with field paths)",
  401: "Missing or wrong API key (only when API_KEYS is set)",
  403: "Admin endpoint: needs an ADMIN_API_KEYS key (turned off when none is set)",
  404: "Not found (for feedback: an answer id this service never issued)",
  405: "Method not allowed",
  413: "Too large: a JSON body over 32 KB, a document over MAX_UPLOAD_MB, or a document over an extraction limit (`limit` names the setting)",
  415: "Content-Type is not application/json",
  429: "Rate limit exceeded (see Retry-After)",
  422: "The document cannot be read (the detail names the reason; `limit` names the setting when reading it took too long or too much memory); nothing indexed was changed",
  500: "Unexpected error (no details; quote the request id)",
  503: "Index still loading, or a store is unavailable (PostgreSQL down, DATA_DIR read-only); see Retry-After",
};

export function problemResponses(...statuses: number[]): Record<number, ResponseConfig> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: PROBLEM_DESCRIPTIONS[status] ?? "Error", content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } },
    ]),
  );
}

export function jsonResponse(description: string, schema: z.ZodType): ResponseConfig {
  return { description, content: { "application/json": { schema } } };
}
