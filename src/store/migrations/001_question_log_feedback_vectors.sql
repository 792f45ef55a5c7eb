-- Every answer issued by any replica, the bot or the CLI. question is NULL when LOG_QUESTIONS=false.
CREATE TABLE answers (
  id          text PRIMARY KEY,
  question    text,
  status      text NOT NULL CHECK (status IN ('answered', 'not_found', 'refused')),
  mode        text NOT NULL CHECK (mode IN ('deterministic', 'llm')),
  sources     text[] NOT NULL DEFAULT '{}',
  related     text[] NOT NULL DEFAULT '{}',
  latency_ms  double precision NOT NULL,
  channel     text NOT NULL,
  at          timestamptz NOT NULL
);
CREATE INDEX answers_not_found_at ON answers (at DESC) WHERE status = 'not_found';

-- Feedback may only rate an answer the system issued (the foreign key enforces it).
CREATE TABLE feedback (
  id         uuid PRIMARY KEY,
  answer_id  text NOT NULL REFERENCES answers (id),
  rating     text NOT NULL CHECK (rating IN ('up', 'down')),
  comment    text,
  channel    text NOT NULL,
  user_id    text,
  at         timestamptz NOT NULL
);
CREATE INDEX feedback_at ON feedback (at DESC);
CREATE INDEX feedback_down_answer ON feedback (answer_id) WHERE rating = 'down';

-- Embeddings by content hash and embedder: a rebuild on any host embeds only what no one embedded yet.
-- Vectors are float64 little-endian bytes, bit-exact with what the embedder returned.
CREATE TABLE vector_cache (
  embedder  text NOT NULL,
  hash      text NOT NULL,
  vector    bytea NOT NULL,
  PRIMARY KEY (embedder, hash)
);
