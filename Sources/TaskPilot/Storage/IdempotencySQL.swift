/// The SQL behind idempotency keys of `POST /api/tasks`.
enum IdempotencySQL {
    /// Parameter: the age past which a key is forgotten, as a SQLite modifier (`-24 hours`).
    static let deleteExpired = """
        DELETE FROM idempotency_keys
        WHERE created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)
        """

    /// The task created under a key, in `WebTaskSQL`'s column order.
    static let selectTask = """
        SELECT t.id, t.type, t.payload, t.status, b.scheduler_task_id, t.created_at, t.updated_at,
            NULL, NULL, NULL, NULL, NULL, NULL, NULL, b.origin
        FROM idempotency_keys k
        JOIN web_tasks t ON t.id = k.web_task_id
        LEFT JOIN bindings b ON b.web_task_id = t.id
        WHERE k.key = ?
        """

    static let insert = """
        INSERT INTO idempotency_keys (key, web_task_id) VALUES (?, ?)
        """
}
