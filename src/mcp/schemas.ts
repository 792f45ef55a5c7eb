import { z } from "zod";
import { answerSchema, askOptionsSchema, citationSchema, questionSchema } from "../schema/answer.ts";
import { glossaryEntrySchema } from "../schema/glossary.ts";
import { searchHitSchema } from "../schema/passage.ts";
import { sourceInfoSchema } from "../schema/source.ts";

/**
 * Input and output schemas of the MCP tools. Inputs are zod shapes (the SDK validates
 * arguments with them and lists them as JSON Schema); outputs are the structured content each
 * tool returns, built from the same domain schemas as the HTTP API's.
 */

const uri = z.string().describe("The kpo:// resource to read for the full text (resources/read)");

const termSchema = z.string().trim().min(1).max(200);

export const askInput = {
  question: questionSchema.describe("The question, in plain words"),
  history: askOptionsSchema.shape.history.describe(
    "Earlier turns of this conversation, oldest first (at most 10), so a follow-up such as 'and in India?' is understood",
  ),
};

export const searchInput = {
  query: questionSchema.describe("What to search for"),
  k: z.number().int().min(1).max(50).default(5).describe("How many passages (1-50)"),
};

export const defineInput = {
  term: termSchema.describe("A term, alias or abbreviation, e.g. KPO; case and punctuation are ignored"),
  fuzzy: z.boolean().default(false).describe("When no entry matches, return the closest spelling instead of an error"),
};

export const compareInput = {
  a: termSchema.describe("The first term, e.g. KPO"),
  b: termSchema.describe("The second term, e.g. BPO"),
};

export const citationOutput = citationSchema.extend({
  uri: uri
    .optional()
    .describe(
      "Where the quote can be checked: for a source, kpo://sources/<id> holds its raw text and text.slice(start, end) === quote; " +
        "for a glossary entry, kpo://glossary/<slug> holds the entry, whose definition spans start..end of its file",
    ),
});
export type CitationOutput = z.infer<typeof citationOutput>;

/** The Answer as MCP clients get it: what they show and check (timings and diagnostics stay in the HTTP API). */
export const answerOutput = answerSchema
  .pick({ id: true, question: true, resolvedQuestion: true, status: true, answer: true, mode: true, fallbackReason: true, related: true })
  .extend({ citations: z.array(citationOutput).describe("Every [n] in answer is citation n: a verbatim quote of a file") });
export type AnswerOutput = z.infer<typeof answerOutput>;

export const searchOutput = z.object({
  query: z.string(),
  hits: z.array(searchHitSchema.extend({ uri: uri.optional() })).describe("Ranked passages, best first; text === file.slice(start, end)"),
});

export const defineOutput = z.object({
  term: z.string().describe("The term as asked"),
  match: z.enum(["exact", "closest"]).describe("exact: the term or one of its aliases; closest: the nearest spelling (fuzzy)"),
  uri,
  entry: glossaryEntrySchema,
});

export const sourcesOutput = z.object({
  count: z.number().int(),
  sources: z.array(sourceInfoSchema.extend({ uri })),
});
