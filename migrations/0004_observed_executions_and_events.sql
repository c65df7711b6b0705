-- What TaskPilot last heard from the DTP about each bound web task's execution. The DTP owns
-- execution state: status and retry_state are its strings exactly as it sent them, never
-- derived here. scheduler_updated_at is the DTP's own updatedAt; observed_at is when TaskPilot
-- first heard the values now in the row (a row changes only when the DTP's answer did).
-- source names what brought the answer: BIND, QUERY (GET .../execution), CANCEL or WATCH (the
-- watcher). status NOT_FOUND means the DTP answered 404 for the task: it lost it.
CREATE TABLE execution_observations (
    web_task_id           INTEGER PRIMARY KEY REFERENCES web_tasks (id),
    scheduler_task_id     INTEGER NOT NULL,
    status                TEXT NOT NULL,
    retry_state           TEXT,
    attempt_count         INTEGER,
    max_attempts          INTEGER,
    last_error            TEXT,
    scheduler_updated_at  TEXT,
    observed_at           TEXT NOT NULL,
    source                TEXT NOT NULL CHECK (source IN ('BIND', 'QUERY', 'CANCEL', 'WATCH'))
) STRICT;

-- GET /api/tasks?executionStatus=… and ?type=…, newest first.
CREATE INDEX execution_observations_by_status ON execution_observations (status, web_task_id);
CREATE INDEX web_tasks_by_type ON web_tasks (type, id);

-- The change feed (GET /api/events): one row per change, append-only. AUTOINCREMENT keeps ids
-- increasing even after the newest rows are pruned, so a client's Last-Event-ID never names a
-- later event. task is the web task's JSON as of the event; scheduler_status and
-- scheduler_message are the DTP's answer to a forwarded cancel.
CREATE TABLE events (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    type               TEXT NOT NULL CHECK (type IN (
                           'task.created', 'task.canceled', 'task.bound',
                           'execution.changed', 'execution.cancel_forwarded')),
    web_task_id        INTEGER NOT NULL REFERENCES web_tasks (id),
    at                 TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    task               TEXT NOT NULL,
    scheduler_status   INTEGER,
    scheduler_message  TEXT
) STRICT;

CREATE INDEX events_by_web_task ON events (web_task_id, id);
