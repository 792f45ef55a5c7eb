import { mkdir, open } from "node:fs/promises";
import path from "node:path";
import type { z } from "zod";
import { StoreUnavailableError } from "../errors.ts";

/**
 * An append-only JSONL file shared by every process over the same DATA_DIR. Appends are
 * serialised in-process and each is one write of a whole line (O_APPEND), so lines from
 * concurrent processes never interleave. Reading is incremental: `refresh()` parses only
 * what was appended since the last call, and a torn last line (a crash mid-write) is left
 * for later and skipped once a newer line follows it.
 */
export class JsonlLog<T> {
  private offset = 0;
  private pending = "";
  private readonly items: T[] = [];
  private writes: Promise<unknown> = Promise.resolve();
  private reading: Promise<void> | undefined;

  readonly file: string;
  private readonly schema: z.ZodType<T>;
  private readonly options: { fsync: boolean; onItem?: (item: T) => void };

  constructor(
    file: string,
    schema: z.ZodType<T>,
    options: { fsync: boolean; onItem?: (item: T) => void },
  ) {
    this.file = file;
    this.schema = schema;
    this.options = options;
  }

  append(item: T): Promise<void> {
    const line = `${JSON.stringify(item)}\n`;
    const write = this.writes.then(async () => {
      try {
        await mkdir(path.dirname(this.file), { recursive: true });
        const handle = await open(this.file, "a");
        try {
          await handle.appendFile(line, "utf8");
          if (this.options.fsync) await handle.sync();
        } finally {
          await handle.close();
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? "error";
        throw new StoreUnavailableError("DATA_DIR", `cannot write ${this.file} (${code}); is DATA_DIR writable?`, {
          cause: error,
          retryAfterSeconds: 60,
          publicDetail: `the server's DATA_DIR is not writable (${code}), so ${path.basename(this.file)} cannot take new records`,
        });
      }
    });
    this.writes = write.catch(() => undefined);
    return write;
  }

  /** Every valid record so far, oldest first (after reading what other processes appended). */
  async all(): Promise<readonly T[]> {
    await this.refresh();
    return this.items;
  }

  refresh(): Promise<void> {
    this.reading ??= this.readNew().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async readNew(): Promise<void> {
    let handle;
    try {
      handle = await open(this.file, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new StoreUnavailableError("DATA_DIR", `cannot read ${this.file} (${(error as NodeJS.ErrnoException).code})`, { cause: error });
    }
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return;
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      const text = this.pending + buffer.subarray(0, bytesRead).toString("utf8");
      const lines = text.split("\n");
      this.pending = lines.pop() ?? "";
      for (const line of lines) this.parse(line);
    } finally {
      await handle.close();
    }
  }

  private parse(line: string): void {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // A torn line from a crashed writer glued to the next record: recover the record after it.
      const start = line.lastIndexOf("{\"");
      if (start > 0) this.parse(line.slice(start));
      return;
    }
    const parsed = this.schema.safeParse(value);
    if (!parsed.success) return;
    this.items.push(parsed.data);
    this.options.onItem?.(parsed.data);
  }
}
