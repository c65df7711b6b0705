import SQLiteDB

/// `ExecutionObservationRepository` on SQLite.
public struct SQLiteExecutionObservationRepository: ExecutionObservationRepository {
    let database: Database
    let changes: ChangeSignal

    public init(database: Database, changes: ChangeSignal = ChangeSignal()) {
        self.database = database
        self.changes = changes
    }

    public func record(_ observations: [ObservedExecution]) async throws -> Int {
        defer { changes.changed() }
        return try await database.write { connection in
            try observations.reduce(0) { stored, item in
                let changed = try connection.storeObservation(
                    item.observation, webTaskId: item.webTaskId, schedulerTaskId: item.schedulerTaskId, source: item.source
                )
                return stored + (changed ? 1 : 0)
            }
        }
    }

    public func finishCancel(_ outcome: CommandOutcome, webTaskId: Int64, schedulerTaskId: Int64, observation: ExecutionObservation?) async throws {
        defer { changes.changed() }
        try await database.write { connection in
            try connection.finishCommand(outcome)
            // The observation first, so that the event's task shows what the DTP answered.
            if let observation {
                try connection.storeObservation(observation, webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, source: .cancel)
            }
            if let status = outcome.httpStatus {
                try connection.appendEvent(.executionCancelForwarded, webTaskId: webTaskId, schedulerStatus: status, schedulerMessage: outcome.message)
            }
        }
    }

    public func unfinished(after: Int64, slice: Int) async throws -> (targets: [WatchTarget], through: Int64?) {
        try await database.read { connection in
            guard let through = try connection.queryFirst(ObservationSQL.selectSliceEnd, after, slice, map: { $0.optionalInt64(0) }) ?? nil else {
                return ([], nil)
            }
            let targets = try connection.query(ObservationSQL.selectUnfinished, [after, through]) { row in
                WatchTarget(webTaskId: row.int64(0), schedulerTaskId: row.int64(1), status: row.optionalString(2))
            }
            return (targets, through)
        }
    }
}
