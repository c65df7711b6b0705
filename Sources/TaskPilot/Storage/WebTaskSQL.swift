import SQLiteDB

/// The SQL behind `SQLiteWebTaskRepository`. Every query that returns web tasks returns
/// `columns`, in the order `WebTask(row:)` reads them.
enum WebTaskSQL {
    /// id, type, payload, status, scheduler task id, created, updated, then the observation:
    /// status, retry state, attempts, max attempts, last error, DTP's updatedAt, observed at;
    /// last the binding's origin.
    static let columns = """
        t.id, t.type, t.payload, t.status, b.scheduler_task_id, t.created_at, t.updated_at,
        o.status, o.retry_state, o.attempt_count, o.max_attempts, o.last_error, o.scheduler_updated_at, o.observed_at,
        b.origin
        """

    static let tables = """
        web_tasks t LEFT JOIN bindings b ON b.web_task_id = t.id
        LEFT JOIN execution_observations o ON o.web_task_id = t.id
        """

    static let insert = """
        INSERT INTO web_tasks (type, payload) VALUES (?, ?)
        RETURNING id, type, payload, status, NULL, created_at, updated_at, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
        """

    static let selectById = "SELECT \(columns) FROM \(tables) WHERE t.id = ?"

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

    /// One page of `query`, newest first, and its parameters. Only the filters asked for are in
    /// the SQL, so that SQLite can pick the index that matches them.
    ///
    /// An `executionStatus` filter reads one index range per status, each newest first and
    /// limited to the page, and merges them: one page costs a page per status, never a sort of
    /// every task in a common status.
    static func selectPage(_ query: WebTaskQuery) -> (sql: String, parameters: [any SQLiteBindable]) {
        guard let statuses = query.executionStatuses else {
            let (filter, parameters) = conditions(query, beforeColumn: "t.id")
            return ("SELECT \(columns) FROM \(tables) \(filter) ORDER BY t.id DESC LIMIT ?", parameters + [query.limit])
        }
        var arms: [String] = []
        var parameters: [any SQLiteBindable] = []
        for status in statuses {
            let never = status == "NONE"
            let (filter, armParameters) = conditions(
                query, beforeColumn: never ? "t.id" : "o.web_task_id", extra: never ? "o.web_task_id IS NULL" : "o.status = ?"
            )
            arms.append("SELECT * FROM (SELECT \(columns) FROM \(tables) \(filter) ORDER BY \(never ? "t.id" : "o.web_task_id") DESC LIMIT ?) AS arm")
            parameters += (never ? [] : [status]) + armParameters + [query.limit]
        }
        return (arms.joined(separator: " UNION ALL ") + " ORDER BY 1 DESC LIMIT ?", parameters + [query.limit])
    }

    /// The WHERE clause of `query`'s filters other than `executionStatus`; `extra` comes first,
    /// and its parameter (if any) is the caller's to put before the ones answered here.
    private static func conditions(_ query: WebTaskQuery, beforeColumn: String, extra: String? = nil) -> (String, [any SQLiteBindable]) {
        var conditions = extra.map { [$0] } ?? []
        var parameters: [any SQLiteBindable] = []
        if let status = query.status {
            conditions.append("t.status = ?")
            parameters.append(status.rawValue)
        }
        if let bound = query.bound {
            conditions.append(bound ? "b.web_task_id IS NOT NULL" : "b.web_task_id IS NULL")
        }
        if let type = query.type {
            conditions.append("t.type = ?")
            parameters.append(type)
        }
        if let beforeId = query.beforeId {
            conditions.append("\(beforeColumn) < ?")
            parameters.append(beforeId)
        }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), parameters)
    }

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
