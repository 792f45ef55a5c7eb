import pg from "pg";
import { StoreUnavailableError, UnknownAnswerError } from "../errors.ts";
import type { VectorCacheStore } from "../index/vector-cache.ts";
import type { Logger } from "../logger.ts";
import { answerSchema } from "../schema/answer.ts";
import type { FeedbackAmendment, FeedbackListItem, FeedbackRecord, GapResolution, QuestionLogEntry } from "../schema/feedback.ts";
import { migrate } from "./migrate.ts";
import type { AnsweredQuestion, GapCandidate, Store } from "./types.ts";

const FOREIGN_KEY_VIOLATION = "23503";

/**
 * The question log, feedback and vector cache in PostgreSQL (DATABASE_URL), shared by every
 * replica, the bot and the CLI. Migrations run before the first query and again after a
 * failure, so a database that is down at start or restarts later is picked up without a
 * restart of ours. Every failure to reach it is a StoreUnavailableError (503 + Retry-After).
 */
export class PostgresStore implements Store {
  readonly kind = "postgres" as const;
  readonly pool: pg.Pool;
  private migrated: Promise<void> | undefined;

  private readonly logger?: Logger;

  constructor(connectionString: string, logger?: Logger) {
    this.logger = logger;
    this.pool = new pg.Pool({
      connectionString,
      max: 10,
      connectionTimeoutMillis: 2_000,
      query_timeout: 5_000,
      idleTimeoutMillis: 10_000,
    });
    // An idle client losing its connection (database restart) must not crash the process.
    this.pool.on("error", (error) => this.logger?.warn({ err: error }, "postgresql connection lost; reconnecting on next use"));
  }

  /** Applies pending migrations (once; retried after a failure). */
  ready(): Promise<void> {
    this.migrated ??= migrate(this.pool).then(
      (applied) => {
        if (applied.length) this.logger?.info({ applied }, "postgresql migrations applied");
      },
      (error: unknown) => {
        this.migrated = undefined;
        throw error;
      },
    );
    return this.migrated;
  }

  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      await this.ready();
      return await this.pool.query<R>(sql, params);
    } catch (error) {
      if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) throw error;
      throw new StoreUnavailableError("PostgreSQL (DATABASE_URL)", `unreachable or failing: ${(error as Error).message}`, { cause: error });
    }
  }

  async logAnswer(e: QuestionLogEntry): Promise<void> {
    await this.query(
      `INSERT INTO answers (id, question, status, mode, sources, related, latency_ms, channel, at, corpus, answer)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
      [e.answerId, e.question, e.status, e.mode, e.sources, e.related, e.latencyMs, e.channel, e.at, e.corpus ?? null, e.answer ? JSON.stringify(e.answer) : null],
    );
  }

  async findAnswer(answerId: string): Promise<QuestionLogEntry | undefined> {
    const { rows } = await this.query<AnswerRow>("SELECT * FROM answers WHERE id = $1", [answerId]);
    return rows[0] ? toEntry(rows[0]) : undefined;
  }

  async addFeedback(r: FeedbackRecord): Promise<void> {
    try {
      await this.query(
        "INSERT INTO feedback (id, answer_id, rating, reason, comment, channel, user_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [r.id, r.answerId, r.rating, r.reason ?? null, r.comment ?? null, r.channel, r.user ?? null, r.at],
      );
    } catch (error) {
      if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) throw new UnknownAnswerError(r.answerId);
      throw error;
    }
  }

  async findFeedback(id: string): Promise<FeedbackRecord | undefined> {
    if (!UUID.test(id)) return undefined;
    const { rows } = await this.query<FeedbackRow>("SELECT * FROM feedback WHERE id = $1", [id]);
    return rows[0] ? toFeedbackRecord(rows[0]) : undefined;
  }

  async amendFeedback(id: string, amendment: FeedbackAmendment): Promise<FeedbackRecord | undefined> {
    if (!UUID.test(id)) return undefined;
    const { rows } = await this.query<FeedbackRow>(
      "UPDATE feedback SET reason = COALESCE($2, reason), comment = COALESCE($3, comment) WHERE id = $1 RETURNING *",
      [id, amendment.reason ?? null, amendment.comment ?? null],
    );
    return rows[0] ? toFeedbackRecord(rows[0]) : undefined;
  }

  async recentFeedback(limit: number): Promise<FeedbackListItem[]> {
    const { rows } = await this.query<FeedbackRow & { question: string | null; status: QuestionLogEntry["status"] }>(
      `SELECT f.*, a.question, a.status
       FROM feedback f JOIN answers a ON a.id = f.answer_id ORDER BY f.at DESC, f.id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ ...toFeedbackRecord(r), question: r.question, answerStatus: r.status }));
  }

  async gapCandidates(limit: number): Promise<GapCandidate[]> {
    const { rows } = await this.query<{ question: string; at: Date; related: string[]; not_found: boolean; rated_down: boolean; corpus: string | null }>(
      `SELECT a.question, a.at, a.related, a.corpus, a.status = 'not_found' AS not_found,
              EXISTS (SELECT 1 FROM feedback f WHERE f.answer_id = a.id AND f.rating = 'down') AS rated_down
       FROM answers a
       WHERE a.question IS NOT NULL AND a.status <> 'refused'
         AND (a.status = 'not_found' OR EXISTS (SELECT 1 FROM feedback f WHERE f.answer_id = a.id AND f.rating = 'down'))
       ORDER BY a.at DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      question: r.question,
      at: r.at.toISOString(),
      related: r.related,
      notFound: r.not_found,
      ratedDown: r.rated_down,
      ...(r.corpus === null ? {} : { corpus: r.corpus }),
    }));
  }

  async answeredSince(since: string, limit: number): Promise<AnsweredQuestion[]> {
    const { rows } = await this.query<{ question: string; at: Date; corpus: string | null }>(
      `SELECT a.question, a.at, a.corpus FROM answers a
       WHERE a.status = 'answered' AND a.question IS NOT NULL AND a.at > $1
         AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.answer_id = a.id AND f.rating = 'down')
       ORDER BY a.at DESC LIMIT $2`,
      [since, limit],
    );
    return rows.map((r) => ({ question: r.question, at: r.at.toISOString(), ...(r.corpus === null ? {} : { corpus: r.corpus }) }));
  }

  async addGapResolution(r: GapResolution): Promise<void> {
    await this.query("INSERT INTO gap_resolutions (id, at, questions, examples, count, user_id) VALUES ($1, $2, $3, $4, $5, $6)", [
      r.id,
      r.at,
      r.questions,
      r.examples,
      r.count,
      r.user ?? null,
    ]);
  }

  async gapResolutions(): Promise<GapResolution[]> {
    const { rows } = await this.query<{ id: string; at: Date; questions: string[]; examples: string[]; count: number; user_id: string | null }>(
      "SELECT * FROM gap_resolutions ORDER BY at, id",
    );
    return rows.map((r) => ({ id: r.id, at: r.at.toISOString(), questions: r.questions, examples: r.examples, count: r.count, ...(r.user_id === null ? {} : { user: r.user_id }) }));
  }

  /** The vector cache of one embedder, loaded whole (a corpus is thousands of vectors, not millions). */
  async openVectorCache(embedderId: string): Promise<VectorCacheStore> {
    const { rows } = await this.query<{ hash: string; vector: Buffer }>("SELECT hash, vector FROM vector_cache WHERE embedder = $1", [embedderId]);
    // Stored as float64 (the column's existing form); held as float32 rows like the file cache.
    const vectors = new Map<string, Float32Array>(rows.map((r) => [r.hash, Float32Array.from(new Float64Array(Uint8Array.from(r.vector).buffer))]));
    const fresh = new Set<string>();
    return {
      get: (hash) => vectors.get(hash),
      set: (hash, vector) => {
        vectors.set(hash, vector instanceof Float32Array ? vector : Float32Array.from(vector));
        fresh.add(hash);
      },
      save: async (keep) => {
        // Only new vectors are written; vectors other replicas' corpora still use are never deleted.
        const todo = [...keep].filter((h) => fresh.has(h));
        for (let i = 0; i < todo.length; i += 500) {
          const batch = todo.slice(i, i + 500);
          await this.query(
            "INSERT INTO vector_cache (embedder, hash, vector) SELECT $1, h, v FROM unnest($2::text[], $3::bytea[]) AS t(h, v) ON CONFLICT DO NOTHING",
            [embedderId, batch, batch.map((h) => Buffer.from(Float64Array.from(vectors.get(h)!).buffer))],
          );
        }
        fresh.clear();
      },
    };
  }

  /** Holds a session-level advisory lock until the returned release runs (one index builder at a time). */
  async lock(key: string): Promise<() => Promise<void>> {
    await this.ready().catch((error: unknown) => {
      throw new StoreUnavailableError("PostgreSQL (DATABASE_URL)", `unreachable: ${(error as Error).message}`, { cause: error });
    });
    const client = await this.pool.connect();
    try {
      // Polled rather than blocking, so the pool's query timeout never cuts a long wait.
      while (!(await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS ok", [key])).rows[0]!.ok) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } catch (error) {
      client.release(true);
      throw error;
    }
    return async () => {
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [key]).catch(() => undefined);
      client.release();
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

interface AnswerRow {
  id: string;
  corpus: string | null;
  answer: unknown;
  question: string | null;
  status: QuestionLogEntry["status"];
  mode: QuestionLogEntry["mode"];
  sources: string[];
  related: string[];
  latency_ms: number;
  channel: QuestionLogEntry["channel"];
  at: Date;
}

interface FeedbackRow {
  id: string;
  answer_id: string;
  rating: "up" | "down";
  reason: FeedbackRecord["reason"] | null;
  comment: string | null;
  channel: FeedbackRecord["channel"];
  user_id: string | null;
  at: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toFeedbackRecord(r: FeedbackRow): FeedbackRecord {
  return {
    id: r.id,
    answerId: r.answer_id,
    rating: r.rating,
    ...(r.reason === null ? {} : { reason: r.reason }),
    ...(r.comment === null ? {} : { comment: r.comment }),
    channel: r.channel,
    ...(r.user_id === null ? {} : { user: r.user_id }),
    at: r.at.toISOString(),
  };
}

function toEntry(r: AnswerRow): QuestionLogEntry {
  return {
    answerId: r.id,
    question: r.question,
    status: r.status,
    mode: r.mode,
    sources: r.sources,
    related: r.related,
    latencyMs: r.latency_ms,
    channel: r.channel,
    at: r.at.toISOString(),
    ...(r.corpus === null ? {} : { corpus: r.corpus }),
    ...(r.answer === null ? {} : { answer: answerSchema.safeParse(r.answer).data }),
  };
}
