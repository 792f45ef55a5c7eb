import type { AskContext } from "./answer/issue.ts";
import type { FeedbackService } from "./feedback/service.ts";
import type { Answer, AnswerEvent, AskOptions } from "./schema/answer.ts";
import type { GapReport, GapResolution } from "./schema/feedback.ts";
import type { GlossaryEntry } from "./schema/glossary.ts";
import type { SearchHit, SearchMode } from "./schema/passage.ts";
import type { SourceDetail, SourceInfo } from "./schema/source.ts";
import type { IndexManifest } from "./index/manifest.ts";

export type { AskContext } from "./answer/issue.ts";

/**
 * What every surface (HTTP API, Discord bot, CLI) is handed by its composition root.
 * Built once by `createAssistant(settings)` in src/assistant.ts. It carries no settings (and
 * so no secrets): each surface gets from its composition root only the settings it needs.
 */
export interface Assistant {
  /** Which embedder and answer mode are active, and the manifest of the loaded index. */
  readonly status: { embedder: string; defaultMode: Answer["mode"]; manifest: IndexManifest };
  /** Every answer is logged (question log) before it is returned; deterministic answers may come from the cache. */
  ask(question: string, options?: AskOptions, context?: AskContext): Promise<Answer>;
  /** Citations first, then text deltas, then the final verified Answer. */
  askStream(question: string, options?: AskOptions, context?: AskContext): AsyncIterable<AnswerEvent>;
  /** An answer issued earlier, as the question log kept it (its permanent link); undefined when not kept. */
  answer(id: string): Promise<Answer | undefined>;
  /** The k best passages (1-100), by all retrievers fused or by one mode's (`lexical`, `dense`). */
  search(query: string, k?: number, options?: { mode?: SearchMode }): Promise<SearchHit[]>;
  glossary: GlossaryLookup;
  sources: {
    list(): SourceInfo[];
    get(id: string): SourceDetail | undefined;
    /** The raw text of the file at the source's `path` (citation offsets index into it); undefined for an unknown id. */
    text(id: string): Promise<string | undefined>;
  };
  /** Ratings of issued answers only (UnknownAnswerError otherwise), and the recent ones with their questions. */
  feedback: FeedbackService;
  /** Not-found and 👎 questions grouped by meaning (the coverage-gap report). */
  gaps(options?: { limit?: number }): Promise<GapReport>;
  /** Marks an open gap (by its id in the report) resolved; undefined when no open gap has that id. */
  resolveGap(id: string, meta?: { user?: string }): Promise<GapResolution | undefined>;
  close(): Promise<void>;
}

export interface GlossaryLookup {
  /** All entries, sorted by term; `filter` keeps those whose term or aliases contain it (case-insensitive). */
  list(filter?: string): GlossaryEntry[];
  /** Alias-aware, case- and punctuation-insensitive ("K.P.O.", "bpo's"). */
  lookup(term: string): GlossaryEntry | undefined;
  /** Closest terms by spelling, for "did you mean" and autocomplete. */
  suggest(term: string, limit?: number): GlossaryEntry[];
}
