/// The SQL behind `SQLiteWebTaskRepository`. Every query returns web task columns in
/// the order `WebTaskRow` reads them: id, type, payload, status, scheduler task id, created, updated.
enum WebTaskSQL {
    static let insert = """
        INSERT INTO web_tasks (type, payload) VALUES (?, ?)
        RETURNING id, type, payload, status, NULL, created_at, updated_at
        """

    static let selectById = """
        SELECT t.id, t.type, t.payload, t.status, b.scheduler_task_id, t.created_at, t.updated_at
        FROM web_tasks t LEFT JOIN bindings b ON b.web_task_id = t.id
        WHERE t.id = ?
        """

    /// One row when the task exists: its scheduler task id (NULL when unbound) and, for a
    /// binding that shares its DTP task from before one-owner bindings, the owner.
    static let selectSchedulerTaskId = """
        SELECT b.scheduler_task_id, b.owned_by
        FROM web_tasks t LEFT JOIN bindings b ON b.web_task_id = t.id
        WHERE t.id = ?
        """

    /// The web task that owns a DTP task, if any.
    static let selectOwner = """
        SELECT web_task_id FROM bindings WHERE scheduler_task_id = ? AND owned_by IS NULL
        """

    /// Parameters: status or NULL, bound (1/0) or NULL, id to start below or NULL, limit.
    static let selectPage = """
        SELECT t.id, t.type, t.payload, t.status, b.scheduler_task_id, t.created_at, t.updated_at
        FROM web_tasks t LEFT JOIN bindings b ON b.web_task_id = t.id
        WHERE (?1 IS NULL OR t.status = ?1)
          AND (?2 IS NULL OR (b.web_task_id IS NOT NULL) = ?2)
          AND (?3 IS NULL OR t.id < ?3)
        ORDER BY t.id DESC
        LIMIT ?4
        """

    static let cancelPending = """
        UPDATE web_tasks SET status = 'CANCELED', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        WHERE id = ? AND status = 'PENDING'
        """

    /// Stores nothing when the web task is bound already or the DTP task has an owner.
    /// Storing a binding touches the task's updated_at: the task changed as users see it.
    static let insertBinding = """
        INSERT INTO bindings (web_task_id, scheduler_task_id, origin) VALUES (?, ?, ?)
        ON CONFLICT DO NOTHING
        """

    static let touch = """
        UPDATE web_tasks SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?
        """
}

/// The SQL behind `SQLiteCommandLog`.
enum CommandLogSQL {
    static let insertStarted = """
        INSERT INTO scheduler_commands (web_task_id, command, scheduler_task_id) VALUES (?, ?, ?)
        """

    static let finish = """
        UPDATE scheduler_commands
        SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
            scheduler_task_id = coalesce(?, scheduler_task_id), http_status = ?, message = ?
        WHERE id = ?
        """
}
