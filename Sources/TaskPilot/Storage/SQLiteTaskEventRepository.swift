import SQLiteDB

/// `TaskEventRepository` on SQLite: reads on WAL readers, pruning on the writer in slices.
public struct SQLiteTaskEventRepository: TaskEventRepository {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func events(after: Int64, webTaskId: Int64?, limit: Int) async throws -> [TaskEvent] {
        try await database.read { connection in
            if let webTaskId {
                return try connection.query(EventSQL.selectAfterForTask, [webTaskId, after, limit], map: TaskEvent.init(row:))
            }
            return try connection.query(EventSQL.selectAfter, [after, limit], map: TaskEvent.init(row:))
        }
    }

    public func bounds() async throws -> EventBounds {
        try await database.read { connection in
            try connection.queryFirst(EventSQL.bounds) { EventBounds(oldestKept: $0.optionalInt64(0), lastGiven: $0.int64(1)) }
                ?? EventBounds(oldestKept: nil, lastGiven: 0)
        }
    }

    public func prune(before cutoff: String) async throws -> Int {
        let slice = 10_000
        let bounds = try await bounds()
        let firstKept = try await database.read { connection in
            try connection.queryFirst(EventSQL.firstAtOrAfter, cutoff) { $0.int64(0) }
        } ?? bounds.lastGiven + 1
        var pruned = 0
        while true {
            let deleted = try await database.write { connection in
                try connection.run(EventSQL.deleteBefore, firstKept, slice)
                return connection.changes
            }
            pruned += deleted
            if deleted < slice { return pruned }
        }
    }
}

extension TaskEvent {
    /// Reads `EventSQL.columns`.
    init(row: Row) {
        self.init(
            id: row.int64(0),
            kind: Kind(rawValue: row.string(1)) ?? .taskCreated,
            webTaskId: row.int64(2),
            at: row.string(3),
            taskJSON: row.string(4),
            schedulerStatus: row.optionalInt64(5),
            schedulerMessage: row.optionalString(6)
        )
    }
}
