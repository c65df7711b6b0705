import PostgresNIO

/// `ExecutionObservationRepository` on PostgreSQL.
public struct PostgresExecutionObservationRepository: ExecutionObservationRepository {
    let store: PostgresStore
    let changes: ChangeSignal

    public init(store: PostgresStore, changes: ChangeSignal = ChangeSignal()) {
        self.store = store
        self.changes = changes
    }

    public func record(_ observations: [ObservedExecution]) async throws -> Int {
        defer { changes.changed() }
        return try await store.write { connection in
            try await connection.lockEvents()
            var stored = 0
            for item in observations {
                let changed = try await connection.storeObservation(
                    item.observation, webTaskId: item.webTaskId, schedulerTaskId: item.schedulerTaskId, source: item.source
                )
                stored += changed ? 1 : 0
            }
            return stored
        }
    }

    public func finishCancel(_ outcome: CommandOutcome, webTaskId: Int64, schedulerTaskId: Int64, observation: ExecutionObservation?) async throws {
        defer { changes.changed() }
        try await store.write { connection in
            try await connection.lockEvents()
            try await connection.finishCommand(outcome)
            // The observation first, so that the event's task shows what the DTP answered.
            if let observation {
                try await connection.storeObservation(observation, webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, source: .cancel)
            }
            if let status = outcome.httpStatus {
                try await connection.appendEvent(.executionCancelForwarded, webTaskId: webTaskId, schedulerStatus: status, schedulerMessage: outcome.message)
            }
        }
    }

    public func unfinished(after: Int64, limit: Int) async throws -> [WatchTarget] {
        let final = ExecutionObservation.finalStatuses.sorted()
        return try await store.read { connection in
            try await connection.rows("""
                SELECT b.web_task_id, b.scheduler_task_id, o.status
                FROM bindings b LEFT JOIN execution_observations o ON o.web_task_id = b.web_task_id
                WHERE b.owned_by IS NULL
                  AND (o.status IS NULL OR NOT (o.status = ANY(\(final))))
                  AND b.web_task_id > \(after)
                ORDER BY b.web_task_id
                LIMIT \(limit)
                """) { row in
                let (webTaskId, schedulerTaskId, status) = try row.decode((Int64, Int64, String?).self)
                return WatchTarget(webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, status: status)
            }
        }
    }
}
