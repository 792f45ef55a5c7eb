import { z } from "zod";

/** Front matter of one corpus/glossary/*.md file; validated at ingest. */
export const glossaryFrontMatterSchema = z
  .object({
    term: z.string().trim().min(1),
    aliases: z.array(z.string().trim().min(1)).default([]),
    related: z.array(z.string().trim().min(1)).default([]),
    sources: z
      .array(z.string().regex(/^[^/\\]+\.(txt|md|markdown|html?|pdf|docx)$/i, "must list source file names such as 003_9a5fc89310b847aa.txt"))
      .min(1, "must name at least one supporting source file"),
  })
  .strict();
export type GlossaryFrontMatter = z.infer<typeof glossaryFrontMatterSchema>;

/** A loaded glossary entry. `start`/`end` locate `definition` inside the file at `path`. */
export const glossaryEntrySchema = z.object({
  slug: z.string(),
  term: z.string(),
  aliases: z.array(z.string()),
  related: z.array(z.string()),
  sources: z.array(z.string()),
  definition: z.string(),
  path: z.string(),
  start: z.number().int(),
  end: z.number().int(),
});
export type GlossaryEntry = z.infer<typeof glossaryEntrySchema>;
