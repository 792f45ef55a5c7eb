import { randomUUID } from "node:crypto";
import { UnknownFeedbackError } from "../errors.ts";
import {
  feedbackRecordSchema,
  type Channel,
  type FeedbackAmendment,
  type FeedbackInput,
  type FeedbackListItem,
  type FeedbackRecord,
} from "../schema/feedback.ts";
import type { FeedbackSink } from "../store/types.ts";

/** Feedback as every surface records it (API route, Discord buttons): only for answers the system issued. */
export class FeedbackService {
  private readonly sink: FeedbackSink;

  constructor(sink: FeedbackSink) {
    this.sink = sink;
  }

  /** Resolves once stored; UnknownAnswerError for an id never issued, StoreUnavailableError when the store is down. */
  async record(input: FeedbackInput, meta: { channel: Channel; user?: string }): Promise<FeedbackRecord> {
    const record = feedbackRecordSchema.parse({ ...input, ...meta, id: randomUUID(), at: new Date().toISOString() });
    await this.sink.addFeedback(record);
    return record;
  }

  /**
   * Adds a reason to a rating already recorded (a 👎 counts at once; why may follow). Only the
   * channel and user that gave the rating may amend it; anyone else gets UnknownFeedbackError,
   * as for an id never issued, so ids cannot be probed.
   */
  async amend(id: string, amendment: FeedbackAmendment, meta: { channel: Channel; user?: string }): Promise<FeedbackRecord> {
    const record = await this.sink.findFeedback(id);
    if (!record || record.channel !== meta.channel || record.user !== meta.user) throw new UnknownFeedbackError(id);
    const amended = await this.sink.amendFeedback(id, amendment);
    if (!amended) throw new UnknownFeedbackError(id);
    return amended;
  }

  /** The most recent feedback, newest first, with the question and status of each rated answer. */
  list(limit = 50): Promise<FeedbackListItem[]> {
    return this.sink.recentFeedback(limit);
  }
}
