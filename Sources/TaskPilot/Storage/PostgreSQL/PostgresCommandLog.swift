import PostgresNIO

/// `CommandLog` on PostgreSQL.
public struct PostgresCommandLog: CommandLog {
    let store: PostgresStore

    public init(store: PostgresStore) {
        self.store = store
    }

    public func start(_ command: SchedulerCommand, webTaskId: Int64, schedulerTaskId: Int64?, requestId: String?) async throws -> Int64 {
        try await store.write { connection in
            let ids = try await connection.rows("""
                INSERT INTO scheduler_commands (web_task_id, command, scheduler_task_id, request_id)
                VALUES (\(webTaskId), \(command.rawValue), \(schedulerTaskId), \(requestId)) RETURNING id
                """) { try $0.decode(Int64.self) }
            guard let id = ids.first else { throw StorageUnavailableError(message: "INSERT … RETURNING returned no row") }
            return id
        }
    }

    public func finish(_ outcome: CommandOutcome) async throws {
        try await store.write { try await $0.finishCommand(outcome) }
    }

    public func entries(webTaskId: Int64, before: Int64?, limit: Int) async throws -> [CommandLogEntry]? {
        try await store.read { connection in
            guard try await connection.rows("SELECT 1 FROM web_tasks WHERE id = \(webTaskId)", map: { _ in true }).first != nil else {
                return nil
            }
            return try await connection.rows("""
                SELECT id, command, scheduler_task_id, request_id, started_at, finished_at, http_status, message
                FROM scheduler_commands WHERE web_task_id = \(webTaskId) AND id < \(before ?? Int64.max)
                ORDER BY id DESC LIMIT \(limit)
                """) { row in
                let (id, command, schedulerTaskId, requestId, startedAt, finishedAt, status, message) =
                    try row.decode((Int64, String, Int64?, String?, String, String?, Int64?, String?).self)
                return CommandLogEntry(
                    id: id, command: command, schedulerTaskId: schedulerTaskId, requestId: requestId,
                    startedAt: startedAt, finishedAt: finishedAt, httpStatus: status, message: message
                )
            }
        }
    }
}
