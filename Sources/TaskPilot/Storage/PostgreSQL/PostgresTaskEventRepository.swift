import PostgresNIO

/// `TaskEventRepository` on PostgreSQL; pruning deletes in slices, each its own transaction.
public struct PostgresTaskEventRepository: TaskEventRepository {
    let store: PostgresStore

    public init(store: PostgresStore) {
        self.store = store
    }

    public func events(after: Int64, webTaskId: Int64?, limit: Int) async throws -> [TaskEvent] {
        try await store.read { connection in
            let columns = "id, type, web_task_id, at, task, scheduler_status, scheduler_message"
            if let webTaskId {
                return try await connection.rows(
                    "SELECT \(unescaped: columns) FROM events WHERE web_task_id = \(webTaskId) AND id > \(after) ORDER BY id LIMIT \(limit)",
                    map: TaskEvent.init(postgres:)
                )
            }
            return try await connection.rows(
                "SELECT \(unescaped: columns) FROM events WHERE id > \(after) ORDER BY id LIMIT \(limit)", map: TaskEvent.init(postgres:)
            )
        }
    }

    public func bounds() async throws -> EventBounds {
        try await store.read { connection in
            try await connection.rows("SELECT (SELECT min(id) FROM events), (SELECT last_given FROM event_ids)") { row in
                let (oldest, last) = try row.decode((Int64?, Int64).self)
                return EventBounds(oldestKept: oldest, lastGiven: last)
            }.first ?? EventBounds(oldestKept: nil, lastGiven: 0)
        }
    }

    public func prune(before cutoff: String) async throws -> Int {
        let slice = 10_000
        let lastGiven = try await bounds().lastGiven
        let firstKept = try await store.read { connection in
            try await connection.rows("SELECT id FROM events WHERE at >= \(cutoff) ORDER BY id LIMIT 1") { try $0.decode(Int64.self) }.first
        } ?? lastGiven + 1
        var pruned = 0
        while true {
            let deleted = try await store.write { connection in
                try await connection.rows("""
                    DELETE FROM events WHERE id IN (SELECT id FROM events WHERE id < \(firstKept) ORDER BY id LIMIT \(slice)) RETURNING 1
                    """) { _ in true }.count
            }
            pruned += deleted
            if deleted < slice { return pruned }
        }
    }
}

extension TaskEvent {
    init(postgres row: PostgresRow) throws {
        let (id, kind, webTaskId, at, task, status, message) = try row.decode((Int64, String, Int64, String, String, Int64?, String?).self)
        self.init(
            id: id, kind: Kind(rawValue: kind) ?? .taskCreated, webTaskId: webTaskId, at: at, taskJSON: task,
            schedulerStatus: status, schedulerMessage: message
        )
    }
}
