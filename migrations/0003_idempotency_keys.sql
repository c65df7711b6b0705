-- Idempotency-Key of POST /api/tasks: a client that lost the answer to a create and retries
-- with the same key gets the task it created instead of a second one. Keys are forgotten
-- idempotency.ttlHours after their first use.
CREATE TABLE idempotency_keys (
    key          TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 255),
    web_task_id  INTEGER NOT NULL REFERENCES web_tasks (id),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT, WITHOUT ROWID;

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
