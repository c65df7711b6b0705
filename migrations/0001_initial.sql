-- TaskPilot's schema. Timestamps are ISO-8601 UTC text with milliseconds
-- (2026-11-26T10:00:00.000Z), so they read as they are in sqlite3.

-- The user-facing tasks TaskPilot owns. status is control-plane intent
-- (PENDING -> CANCELED), never the execution state, which the DTP owns.
CREATE TABLE web_tasks (
    id          INTEGER PRIMARY KEY,
    type        TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 128),
    payload     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'CANCELED')),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE INDEX web_tasks_by_status ON web_tasks (status, id);

-- One row per bound web task: the DTP task that executes it. origin says whether
-- TaskPilot created the DTP task (CREATED) or attached to an existing one (ATTACHED).
CREATE TABLE bindings (
    web_task_id        INTEGER PRIMARY KEY REFERENCES web_tasks (id),
    scheduler_task_id  INTEGER NOT NULL CHECK (scheduler_task_id > 0),
    origin             TEXT NOT NULL CHECK (origin IN ('CREATED', 'ATTACHED')),
    bound_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE INDEX bindings_by_scheduler_task ON bindings (scheduler_task_id);

-- Every command TaskPilot sent to the DTP and what the DTP answered. A row is
-- written before the call and completed after it, so a call that TaskPilot did not
-- live to see answered stays visible with finished_at NULL.
CREATE TABLE scheduler_commands (
    id                 INTEGER PRIMARY KEY,
    web_task_id        INTEGER NOT NULL REFERENCES web_tasks (id),
    command            TEXT NOT NULL CHECK (command IN ('CREATE', 'ATTACH', 'CANCEL')),
    scheduler_task_id  INTEGER,  -- NULL for a CREATE until the DTP answers with an id
    started_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at        TEXT,     -- NULL while in flight, or when TaskPilot died during the call
    http_status        INTEGER,  -- the DTP's status code; NULL on a transport error
    message            TEXT      -- the DTP's message, or the transport error
) STRICT;

CREATE INDEX scheduler_commands_by_web_task ON scheduler_commands (web_task_id, id);
