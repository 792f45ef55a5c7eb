-- The whole answer, for its permanent link (NULL when LOG_QUESTIONS=false or logged before this),
-- and the corpus that produced it, so an answer after a corpus change can close a coverage gap.
ALTER TABLE answers ADD COLUMN answer jsonb;
ALTER TABLE answers ADD COLUMN corpus text;
CREATE INDEX answers_answered_at ON answers (at DESC) WHERE status = 'answered' AND question IS NOT NULL;

-- Why an answer was rated down, in one click; the rater's own words stay in comment.
ALTER TABLE feedback ADD COLUMN reason text CHECK (reason IN ('wrong', 'missing', 'unclear', 'off-topic'));

-- A curator's "resolved" mark on a coverage gap: the group's questions as they were then.
CREATE TABLE gap_resolutions (
  id         uuid PRIMARY KEY,
  at         timestamptz NOT NULL,
  questions  text[] NOT NULL,
  examples   text[] NOT NULL,
  count      integer NOT NULL,
  user_id    text
);
