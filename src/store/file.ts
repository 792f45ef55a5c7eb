import path from "node:path";
import { z } from "zod";
import { UnknownAnswerError } from "../errors.ts";
import {
  feedbackAmendmentLineSchema,
  feedbackRecordSchema,
  gapResolutionSchema,
  questionLogEntrySchema,
  type FeedbackAmendment,
  type FeedbackAmendmentLine,
  type FeedbackListItem,
  type FeedbackRecord,
  type GapResolution,
  type QuestionLogEntry,
} from "../schema/feedback.ts";
import { JsonlLog } from "./jsonl.ts";
import type { AnsweredQuestion, GapCandidate, Store } from "./types.ts";

type FeedbackLine = FeedbackRecord | FeedbackAmendmentLine;
const isAmendment = (line: FeedbackLine): line is FeedbackAmendmentLine => "amends" in line;

/**
 * The default store, for one host: `questions.jsonl`, `feedback.jsonl` and `gaps.jsonl` in
 * DATA_DIR. Feedback lines are fsynced before they are acknowledged; question-log lines are
 * written (surviving a killed process) without an fsync each. Several processes on the same
 * DATA_DIR see each other's records. A reason added to a rating later is a line of its own
 * (the log stays append-only). Reads keep the logs in memory, which suits one host's volume;
 * DATABASE_URL moves them to PostgreSQL.
 */
export class FileStore implements Store {
  readonly kind = "file" as const;
  private readonly answers = new Map<string, QuestionLogEntry>();
  private readonly questions: JsonlLog<QuestionLogEntry>;
  private readonly feedback: JsonlLog<FeedbackLine>;
  private readonly resolutions: JsonlLog<GapResolution>;

  constructor(dataDir: string) {
    this.questions = new JsonlLog(path.join(dataDir, "questions.jsonl"), questionLogEntrySchema, {
      fsync: false,
      onItem: (entry) => this.answers.set(entry.answerId, entry),
    });
    this.feedback = new JsonlLog<FeedbackLine>(path.join(dataDir, "feedback.jsonl"), z.union([feedbackRecordSchema, feedbackAmendmentLineSchema]), { fsync: true });
    this.resolutions = new JsonlLog(path.join(dataDir, "gaps.jsonl"), gapResolutionSchema, { fsync: true });
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

  async findFeedback(id: string): Promise<FeedbackRecord | undefined> {
    return (await this.feedbackRecords()).find((r) => r.id === id);
  }

  async amendFeedback(id: string, amendment: FeedbackAmendment): Promise<FeedbackRecord | undefined> {
    const record = await this.findFeedback(id);
    if (!record) return undefined;
    const line: FeedbackAmendmentLine = { amends: id, at: new Date().toISOString(), ...amendment };
    await this.feedback.append(line);
    return { ...record, ...amendment };
  }

  /** Every rating with the reasons added to it since, oldest first. */
  private async feedbackRecords(): Promise<FeedbackRecord[]> {
    const lines = await this.feedback.all();
    const amended = new Map<string, FeedbackAmendment>();
    for (const line of lines) {
      if (!isAmendment(line)) continue;
      const { amends, at: _at, ...fields } = line;
      amended.set(amends, { ...amended.get(amends), ...fields });
    }
    return lines.filter((l): l is FeedbackRecord => !isAmendment(l)).map((r) => ({ ...r, ...amended.get(r.id) }));
  }

  async recentFeedback(limit: number): Promise<FeedbackListItem[]> {
    const [records] = await Promise.all([this.feedbackRecords(), this.questions.refresh()]);
    return records
      .slice(-limit)
      .reverse()
      .map((r) => {
        const answer = this.answers.get(r.answerId);
        return { ...r, question: answer?.question ?? null, answerStatus: answer?.status ?? null };
      });
  }

  /** Ids of the answers rated 👎 at least once. */
  private async ratedDown(): Promise<Set<string>> {
    const lines = await this.feedback.all();
    return new Set(lines.flatMap((l) => (!isAmendment(l) && l.rating === "down" ? [l.answerId] : [])));
  }

  async gapCandidates(limit: number): Promise<GapCandidate[]> {
    const [down, entries] = await Promise.all([this.ratedDown(), this.questions.all()]);
    const out: GapCandidate[] = [];
    for (let i = entries.length - 1; i >= 0 && out.length < limit; i--) {
      const e = entries[i]!;
      const notFound = e.status === "not_found";
      const ratedDown = down.has(e.answerId);
      if (e.question !== null && e.status !== "refused" && (notFound || ratedDown)) {
        out.push({ question: e.question, at: e.at, related: e.related, notFound, ratedDown, ...(e.corpus ? { corpus: e.corpus } : {}) });
      }
    }
    return out;
  }

  async answeredSince(since: string, limit: number): Promise<AnsweredQuestion[]> {
    const [down, entries] = await Promise.all([this.ratedDown(), this.questions.all()]);
    const out: AnsweredQuestion[] = [];
    for (let i = entries.length - 1; i >= 0 && out.length < limit; i--) {
      const e = entries[i]!;
      if (e.at > since && e.question !== null && e.status === "answered" && !down.has(e.answerId)) out.push({ question: e.question, at: e.at, ...(e.corpus ? { corpus: e.corpus } : {}) });
    }
    return out;
  }

  async addGapResolution(resolution: GapResolution): Promise<void> {
    await this.resolutions.append(resolution);
  }

  async gapResolutions(): Promise<GapResolution[]> {
    return [...(await this.resolutions.all())];
  }

  async close(): Promise<void> {}
}
