import type { FeedbackListItem, FeedbackRecord, QuestionLogEntry } from "../schema/feedback.ts";

/** A question the coverage-gap report considers: answered not_found, or rated 👎 at least once. */
export interface GapCandidate {
  question: string;
  at: string;
  related: string[];
  notFound: boolean;
  ratedDown: boolean;
}

/** Every answer the system issues is logged, so feedback can be checked against it. */
export interface QuestionLog {
  logAnswer(entry: QuestionLogEntry): Promise<void>;
  findAnswer(answerId: string): Promise<QuestionLogEntry | undefined>;
  /** Logged questions (with text) that were not_found or rated down, newest first, at most `limit`. */
  gapCandidates(limit: number): Promise<GapCandidate[]>;
}

/** Durable feedback; a record is acknowledged only once it is stored. */
export interface FeedbackSink {
  /** Throws UnknownAnswerError when the question log has no such answer id, StoreUnavailableError when it cannot store. */
  addFeedback(record: FeedbackRecord): Promise<void>;
  /** Newest first, joined with the question and status of the rated answer. */
  recentFeedback(limit: number): Promise<FeedbackListItem[]>;
}

/** The question log and feedback, kept together (JSONL files in DATA_DIR, or PostgreSQL). */
export interface Store extends QuestionLog, FeedbackSink {
  readonly kind: "file" | "postgres";
  /** Prepares the store (PostgreSQL: applies pending migrations); retried on first use when it fails. */
  ready?(): Promise<void>;
  close(): Promise<void>;
}
