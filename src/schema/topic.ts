import { z } from "zod";
import { listTypeSchema, workModelSchema } from "./passage.ts";

/** Front matter of one corpus/topics/*.md note; validated at ingest. */
export const topicFrontMatterSchema = z
  .object({
    title: z.string().trim().min(1),
    /** Subject terms the note is about (glossary terms or aliases). */
    about: z.array(z.string().trim().min(1)).default([]),
    /** Set when the note is a list of risks, benefits or examples: list answers draw on it. */
    kind: listTypeSchema.optional(),
  })
  .strict();

/** Tag lines a claim may carry between its text and its evidence (`work: bpo`, `tasks: a, b`). */
export const claimTagsSchema = z
  .object({
    work: workModelSchema.optional(),
    tasks: z
      .string()
      .transform((v) => v.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean))
      .optional(),
  })
  .strict();

/** One claim as written in a note, before its evidence is located in the sources. */
export interface ClaimDraft {
  text: string;
  /** Offsets of `text` in the note file (the claim is a verbatim line of it). */
  start: number;
  end: number;
  line: number;
  work?: z.infer<typeof workModelSchema>;
  tasks: string[];
  evidence: { file: string; quote: string; line: number }[];
}

export interface TopicNote {
  slug: string;
  path: string;
  title: string;
  about: string[];
  listType?: z.infer<typeof listTypeSchema>;
  claims: ClaimDraft[];
}
