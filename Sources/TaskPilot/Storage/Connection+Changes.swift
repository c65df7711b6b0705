import SQLiteDB

/// The writes every change shares, run inside the write that makes the change so that the
/// change and its event commit together or not at all.
extension Connection {
    /// Appends an event carrying the web task as it now is.
    func appendEvent(_ kind: TaskEvent.Kind, webTaskId: Int64, schedulerStatus: Int? = nil, schedulerMessage: String? = nil) throws {
        guard let task = try queryFirst(WebTaskSQL.selectById, webTaskId, map: WebTask.init(row:)) else { return }
        try appendEvent(kind, task: task, schedulerStatus: schedulerStatus, schedulerMessage: schedulerMessage)
    }

    /// Appends an event carrying `task`, which the caller has just read or written.
    func appendEvent(_ kind: TaskEvent.Kind, task: WebTask, schedulerStatus: Int? = nil, schedulerMessage: String? = nil) throws {
        try run(EventSQL.insert, kind.rawValue, task.id, task.json, schedulerStatus, schedulerMessage)
    }

    /// Stores what the DTP said about a web task's execution, unless it says what the stored
    /// observation says; an `execution.changed` event follows when the status differs.
    /// Answers whether anything was stored.
    @discardableResult
    func storeObservation(_ observation: ExecutionObservation, webTaskId: Int64, schedulerTaskId: Int64, source: ObservationSource) throws -> Bool {
        let previous = try queryFirst(ObservationSQL.selectStatus, webTaskId) { row in
            ExecutionObservation(
                status: row.string(0), retryState: row.optionalString(1), attemptCount: row.optionalInt64(2),
                maxAttempts: row.optionalInt64(3), lastError: row.optionalString(4), schedulerUpdatedAt: row.optionalString(5),
                observedAt: ""
            )
        }
        if let previous, previous.saysSame(as: observation) { return false }
        try writeObservation(observation, webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, source: source)
        guard changes > 0 else { return false }
        if previous?.status != observation.status {
            try appendEvent(.executionChanged, webTaskId: webTaskId)
        }
        return true
    }

    /// The upsert alone: `changes` tells whether it stored (an answer dated earlier does not).
    func writeObservation(_ observation: ExecutionObservation, webTaskId: Int64, schedulerTaskId: Int64, source: ObservationSource) throws {
        try run(
            ObservationSQL.upsert, webTaskId, schedulerTaskId, observation.status, observation.retryState,
            observation.attemptCount, observation.maxAttempts, observation.lastError, observation.schedulerUpdatedAt,
            observation.observedAt, source.rawValue
        )
    }
}
