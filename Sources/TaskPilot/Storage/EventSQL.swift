/// The SQL of the change feed's `events` table.
enum EventSQL {
    static let insert = """
        INSERT INTO events (type, web_task_id, task, scheduler_status, scheduler_message) VALUES (?, ?, ?, ?, ?)
        """

    /// Columns in the order `TaskEvent(row:)` reads them.
    static let columns = "id, type, web_task_id, at, task, scheduler_status, scheduler_message"

    static let selectAfter = "SELECT \(columns) FROM events WHERE id > ? ORDER BY id LIMIT ?"

    static let selectAfterForTask = "SELECT \(columns) FROM events WHERE web_task_id = ? AND id > ? ORDER BY id LIMIT ?"

    /// The oldest event kept and the last id ever given (pruned or not).
    static let bounds = """
        SELECT (SELECT min(id) FROM events), coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)
        """

    /// The first event at or after a time: everything before it is older. Events are written in
    /// time order, so ids and times rise together.
    static let firstAtOrAfter = "SELECT id FROM events WHERE at >= ? ORDER BY id LIMIT 1"

    /// Deletes a bounded slice, so that pruning never holds the writer for long.
    static let deleteBefore = "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE id < ? ORDER BY id LIMIT ?)"
}

/// The SQL of `execution_observations`.
enum ObservationSQL {
    static let selectStatus = "SELECT status, retry_state, attempt_count, max_attempts, last_error, scheduler_updated_at FROM execution_observations WHERE web_task_id = ?"

    /// Stores an observation unless it says what the stored one says. An answer the DTP dated
    /// earlier than the stored one (a slow answer overtaken by a newer) is not stored.
    static let upsert = """
        INSERT INTO execution_observations (
            web_task_id, scheduler_task_id, status, retry_state, attempt_count, max_attempts,
            last_error, scheduler_updated_at, observed_at, source)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (web_task_id) DO UPDATE SET
            scheduler_task_id = excluded.scheduler_task_id, status = excluded.status,
            retry_state = excluded.retry_state, attempt_count = excluded.attempt_count,
            max_attempts = excluded.max_attempts, last_error = excluded.last_error,
            scheduler_updated_at = excluded.scheduler_updated_at, observed_at = excluded.observed_at,
            source = excluded.source
        WHERE coalesce(julianday(excluded.scheduler_updated_at) < julianday(scheduler_updated_at), 0) = 0
        """

    /// The last web task id of the next slice of bindings. Parameters: the web task id to
    /// start after, and how many bindings.
    static let selectSliceEnd = """
        SELECT max(web_task_id) FROM (SELECT web_task_id FROM bindings WHERE web_task_id > ? ORDER BY web_task_id LIMIT ?)
        """

    /// Bound executions the watcher still asks about: never observed, or last seen in a status
    /// that can still change. Only each DTP task's owner, so a shared one is asked about once.
    /// Parameters: the web task ids to start after and to end at.
    static let selectUnfinished = """
        SELECT b.web_task_id, b.scheduler_task_id, o.status, o.scheduler_updated_at
        FROM bindings b LEFT JOIN execution_observations o ON o.web_task_id = b.web_task_id
        WHERE b.owned_by IS NULL
          AND (o.status IS NULL OR o.status NOT IN (\(ExecutionObservation.finalStatuses.sorted().map { "'\($0)'" }.joined(separator: ", "))))
          AND b.web_task_id > ? AND b.web_task_id <= ?
        ORDER BY b.web_task_id
        """
}
