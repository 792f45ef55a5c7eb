import { randomUUID } from "node:crypto";
import { mkdir, open, readFile } from "node:fs/promises";
import path from "node:path";
import { feedbackRecordSchema, type FeedbackInput, type FeedbackRecord } from "../schema/feedback.ts";

/**
 * Append-only JSONL feedback store in DATA_DIR, shared by the HTTP API and the Discord bot.
 * Each record is one line written with a single append + fsync, so a crash can at worst
 * lose the line being written, never earlier ones.
 */
export class FeedbackStore {
  readonly file: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.file = path.join(dataDir, "feedback.jsonl");
  }

  record(input: FeedbackInput, meta: { channel: FeedbackRecord["channel"]; user?: string }): Promise<FeedbackRecord> {
    const record = feedbackRecordSchema.parse({
      ...input,
      ...meta,
      id: randomUUID(),
      at: new Date().toISOString(),
    });
    // Serialise appends so concurrent writers never interleave partial lines.
    const write = this.queue.then(async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      const handle = await open(this.file, "a");
      try {
        await handle.appendFile(`${JSON.stringify(record)}\n`, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
    this.queue = write.catch(() => undefined);
    return write.then(() => record);
  }

  /** Every stored record, oldest first; a torn last line (crash mid-write) is skipped. */
  async list(): Promise<FeedbackRecord[]> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    return text.split("\n").flatMap((line) => {
      if (!line.trim()) return [];
      try {
        return [feedbackRecordSchema.parse(JSON.parse(line))];
      } catch {
        return [];
      }
    });
  }
}
