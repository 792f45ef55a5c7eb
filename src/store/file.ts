import path from "node:path";
import { UnknownAnswerError } from "../errors.ts";
import {
  feedbackRecordSchema,
  questionLogEntrySchema,
  type FeedbackListItem,
  type FeedbackRecord,
  type QuestionLogEntry,
} from "../schema/feedback.ts";
import { JsonlLog } from "./jsonl.ts";
import type { GapCandidate, Store } from "./types.ts";

/**
 * The default store, for one host: `questions.jsonl` and `feedback.jsonl` in DATA_DIR.
 * Feedback lines are fsynced before they are acknowledged; question-log lines are written
 * (surviving a killed process) without an fsync each. Several processes on the same DATA_DIR
 * see each other's records. Reads keep the logs in memory, which suits one host's volume;
 * DATABASE_URL moves both to PostgreSQL.
 */
export class FileStore implements Store {
  readonly kind = "file" as const;
  private readonly answers = new Map<string, QuestionLogEntry>();
  private readonly questions: JsonlLog<QuestionLogEntry>;
  private readonly feedback: JsonlLog<FeedbackRecord>;

  constructor(dataDir: string) {
    this.questions = new JsonlLog(path.join(dataDir, "questions.jsonl"), questionLogEntrySchema, {
      fsync: false,
      onItem: (entry) => this.answers.set(entry.answerId, entry),
    });
    this.feedback = new JsonlLog(path.join(dataDir, "feedback.jsonl"), feedbackRecordSchema, { fsync: true });
  }

  get feedbackFile(): string {
    return this.feedback.file;
  }

  async logAnswer(entry: QuestionLogEntry): Promise<void> {
    await this.questions.append(entry);
  }

  async findAnswer(answerId: string): Promise<QuestionLogEntry | undefined> {
    if (!this.answers.has(answerId)) await this.questions.refresh(); // maybe another process issued it
    return this.answers.get(answerId);
  }

  async addFeedback(record: FeedbackRecord): Promise<void> {
    if (!(await this.findAnswer(record.answerId))) throw new UnknownAnswerError(record.answerId);
    await this.feedback.append(record);
  }

  async recentFeedback(limit: number): Promise<FeedbackListItem[]> {
    const [records] = await Promise.all([this.feedback.all(), this.questions.refresh()]);
    return records
      .slice(-limit)
      .reverse()
      .map((r) => {
        const answer = this.answers.get(r.answerId);
        return { ...r, question: answer?.question ?? null, answerStatus: answer?.status ?? null };
      });
  }

  async gapCandidates(limit: number): Promise<GapCandidate[]> {
    const [records, entries] = await Promise.all([this.feedback.all(), this.questions.all()]);
    const down = new Set(records.filter((r) => r.rating === "down").map((r) => r.answerId));
    const out: GapCandidate[] = [];
    for (let i = entries.length - 1; i >= 0 && out.length < limit; i--) {
      const e = entries[i]!;
      const notFound = e.status === "not_found";
      const ratedDown = down.has(e.answerId);
      if (e.question !== null && (notFound || ratedDown)) out.push({ question: e.question, at: e.at, related: e.related, notFound, ratedDown });
    }
    return out;
  }

  async close(): Promise<void> {}
}
