import { randomUUID } from "node:crypto";
import { feedbackRecordSchema, type Channel, type FeedbackInput, type FeedbackListItem, type FeedbackRecord } from "../schema/feedback.ts";
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

  /** The most recent feedback, newest first, with the question and status of each rated answer. */
  list(limit = 50): Promise<FeedbackListItem[]> {
    return this.sink.recentFeedback(limit);
  }
}
