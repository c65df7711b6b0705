-- The request each command was sent for: the X-Request-Id its answer carried, which the
-- DTP received too and which every log line about that request names. NULL for commands
-- logged before this column existed.
ALTER TABLE scheduler_commands ADD COLUMN request_id TEXT;
