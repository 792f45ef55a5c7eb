import type { Settings } from "./config/settings.ts";
import type { Answer, AnswerEvent, AskOptions } from "./schema/answer.ts";
import type { FeedbackStore } from "./feedback/store.ts";
import type { GlossaryEntry } from "./schema/glossary.ts";
import type { SearchHit } from "./schema/passage.ts";
import type { SourceDetail, SourceInfo } from "./schema/source.ts";
import type { IndexManifest } from "./index/manifest.ts";

/**
 * What every surface (HTTP API, Discord bot, CLI) is handed by its composition root.
 * Built once by `createAssistant(settings)` in src/assistant.ts.
 */
export interface Assistant {
  readonly settings: Settings;
  /** Which embedder and answer mode are active, and the manifest of the loaded index. */
  readonly status: { embedder: string; defaultMode: Answer["mode"]; manifest: IndexManifest };
  ask(question: string, options?: AskOptions): Promise<Answer>;
  /** Citations first, then text deltas, then the final verified Answer. */
  askStream(question: string, options?: AskOptions): AsyncIterable<AnswerEvent>;
  search(query: string, k?: number): Promise<SearchHit[]>;
  glossary: GlossaryLookup;
  sources: {
    list(): SourceInfo[];
    get(id: string): SourceDetail | undefined;
    /** The raw text of the file at the source's `path` (citation offsets index into it); undefined for an unknown id. */
    text(id: string): Promise<string | undefined>;
  };
  feedback: FeedbackStore;
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
