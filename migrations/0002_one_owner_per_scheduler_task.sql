-- A DTP task is bound to at most one web task: cancelling its execution through one web task
-- must never cancel another's.
--
-- Bindings made before this rule may already share a DTP task. They are kept exactly as they
-- are; each sharing binding but the first (earliest bound, then lowest web task id) gets
-- owned_by = the web task whose binding came first. TaskPilot still shows and queries them, but
-- cancels a shared execution only through its owner. List them with
--   SELECT * FROM bindings WHERE owned_by IS NOT NULL;
ALTER TABLE bindings ADD COLUMN owned_by INTEGER REFERENCES web_tasks (id);

UPDATE bindings
SET owned_by = (
    SELECT first.web_task_id FROM bindings first
    WHERE first.scheduler_task_id = bindings.scheduler_task_id
    ORDER BY first.bound_at, first.web_task_id
    LIMIT 1
)
WHERE web_task_id <> (
    SELECT first.web_task_id FROM bindings first
    WHERE first.scheduler_task_id = bindings.scheduler_task_id
    ORDER BY first.bound_at, first.web_task_id
    LIMIT 1
);

-- Every binding made from now on has owned_by NULL, so this makes each DTP task's owner unique.
DROP INDEX bindings_by_scheduler_task;
CREATE UNIQUE INDEX bindings_one_owner ON bindings (scheduler_task_id) WHERE owned_by IS NULL;
