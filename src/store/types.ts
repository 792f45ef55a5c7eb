import type { FeedbackAmendment, FeedbackListItem, FeedbackRecord, GapResolution, QuestionLogEntry } from "../schema/feedback.ts";

/** A question the coverage-gap report considers: answered not_found, or rated 👎 at least once (never a refused one). */
export interface GapCandidate {
  question: string;
  at: string;
  related: string[];
  notFound: boolean;
  ratedDown: boolean;
  /** The corpus that could not answer it (absent in entries logged before corpus versions were kept). */
  corpus?: string;
}

/** A logged question that was answered and not rated 👎: it may close a gap of the same meaning. */
export interface AnsweredQuestion {
  question: string;
  at: string;
  corpus?: string;
}

/** Every answer the system issues is logged, so feedback can be checked against it. */
export interface QuestionLog {
  logAnswer(entry: QuestionLogEntry): Promise<void>;
  findAnswer(answerId: string): Promise<QuestionLogEntry | undefined>;
  /** Logged questions (with text) that were not_found or rated down, and not refused, newest first, at most `limit`. */
  gapCandidates(limit: number): Promise<GapCandidate[]>;
  /** Logged questions (with text) answered after `since` and not rated down, newest first, at most `limit`. */
  answeredSince(since: string, limit: number): Promise<AnsweredQuestion[]>;
}

/** Durable feedback; a record is acknowledged only once it is stored. */
export interface FeedbackSink {
  /** Throws UnknownAnswerError when the question log has no such answer id, StoreUnavailableError when it cannot store. */
  addFeedback(record: FeedbackRecord): Promise<void>;
  /** Adds a reason to a stored record; undefined when there is no record with that id. */
  amendFeedback(id: string, amendment: FeedbackAmendment): Promise<FeedbackRecord | undefined>;
  findFeedback(id: string): Promise<FeedbackRecord | undefined>;
  /** Newest first, joined with the question and status of the rated answer. */
  recentFeedback(limit: number): Promise<FeedbackListItem[]>;
}

/** Curators' "resolved" marks on coverage gaps. */
export interface GapResolutions {
  addGapResolution(resolution: GapResolution): Promise<void>;
  /** Every mark, oldest first. */
  gapResolutions(): Promise<GapResolution[]>;
}

/** The question log, feedback and gap resolutions, kept together (JSONL files in DATA_DIR, or PostgreSQL). */
export interface Store extends QuestionLog, FeedbackSink, GapResolutions {
  readonly kind: "file" | "postgres";
  /** Prepares the store (PostgreSQL: applies pending migrations); retried on first use when it fails. */
  ready?(): Promise<void>;
  close(): Promise<void>;
}
