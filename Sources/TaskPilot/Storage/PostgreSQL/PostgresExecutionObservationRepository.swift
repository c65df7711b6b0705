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

    public func unfinished(after: Int64, slice: Int) async throws -> (targets: [WatchTarget], through: Int64?) {
        let final = ExecutionObservation.finalStatuses.sorted()
        return try await store.read { connection in
            let ends = try await connection.rows("""
                SELECT max(web_task_id) FROM (SELECT web_task_id FROM bindings WHERE web_task_id > \(after) ORDER BY web_task_id LIMIT \(slice)) s
                """) { try $0.decode(Int64?.self) }
            guard let through = ends.first ?? nil else { return ([], nil) }
            let targets = try await connection.rows("""
                SELECT b.web_task_id, b.scheduler_task_id, o.status
                FROM bindings b LEFT JOIN execution_observations o ON o.web_task_id = b.web_task_id
                WHERE b.owned_by IS NULL
                  AND (o.status IS NULL OR NOT (o.status = ANY(\(final))))
                  AND b.web_task_id > \(after) AND b.web_task_id <= \(through)
                ORDER BY b.web_task_id
                """) { row in
                let (webTaskId, schedulerTaskId, status) = try row.decode((Int64, Int64, String?).self)
                return WatchTarget(webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, status: status)
            }
            return (targets, through)
        }
    }
}
