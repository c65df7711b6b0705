/// The SQL behind `SQLiteCommandLog`.
enum CommandLogSQL {
    static let insertStarted = """
        INSERT INTO scheduler_commands (web_task_id, command, scheduler_task_id, request_id) VALUES (?, ?, ?, ?)
        """

    static let finish = """
        UPDATE scheduler_commands
        SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
            scheduler_task_id = coalesce(?, scheduler_task_id), http_status = ?, message = ?
        WHERE id = ?
        """

    static let taskExists = "SELECT 1 FROM web_tasks WHERE id = ?"

    /// One task's commands, newest first, older than a command id (`scheduler_commands_by_web_task`).
    static let selectForTask = """
        SELECT id, command, scheduler_task_id, request_id, started_at, finished_at, http_status, message
        FROM scheduler_commands
        WHERE web_task_id = ? AND id < ?
        ORDER BY id DESC
        LIMIT ?
        """
}
