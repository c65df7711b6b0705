import SQLiteDB

/// `WebTaskRepository` on SQLite: writes on the writer connection, reads on WAL readers.
/// Every change appends its event in the same write and wakes the feed once committed.
public struct SQLiteWebTaskRepository: WebTaskRepository {
    let database: Database
    let changes: ChangeSignal

    public init(database: Database, changes: ChangeSignal = ChangeSignal()) {
        self.database = database
        self.changes = changes
    }

    public func create(type: String, payload: String) async throws -> WebTask {
        defer { changes.changed() }
        return try await database.write { try $0.insertTask(type: type, payload: payload) }
    }

    public func create(type: String, payload: String, idempotencyKey: String, ttlHours: Int) async throws -> KeyedCreateResult {
        defer { changes.changed() }
        return try await database.write { connection in
            let age = "-\(ttlHours) hours"
            try connection.run(IdempotencySQL.deleteExpired, age)
            if let task = try connection.queryFirst(IdempotencySQL.selectTask, idempotencyKey, map: WebTask.init(row:)) {
                return .existing(task)
            }
            let task = try connection.insertTask(type: type, payload: payload)
            try connection.run(IdempotencySQL.insert, idempotencyKey, task.id)
            return .created(task)
        }
    }

    public func find(id: Int64) async throws -> WebTask? {
        try await database.read { connection in
            try connection.queryFirst(WebTaskSQL.selectById, id, map: WebTask.init(row:))
        }
    }

    public func executionTarget(webTaskId: Int64) async throws -> ExecutionTarget {
        try await database.read { connection in
            let row = try connection.queryFirst(WebTaskSQL.selectSchedulerTaskId, webTaskId) { ($0.optionalInt64(0), $0.optionalInt64(1)) }
            switch row {
            case nil: return .notFound
            case (nil, _)?: return .unbound
            case (let id?, let owner?)?: return .shared(schedulerTaskId: id, owner: owner)
            case (let id?, nil)?: return .bound(schedulerTaskId: id)
            }
        }
    }

    public func owner(ofSchedulerTask schedulerTaskId: Int64) async throws -> Int64? {
        try await database.read { connection in
            try connection.queryFirst(WebTaskSQL.selectOwner, schedulerTaskId) { $0.int64(0) }
        }
    }

    public func list(_ query: WebTaskQuery) async throws -> [WebTask] {
        try await database.read { connection in
            let (sql, parameters) = WebTaskSQL.selectPage(query)
            return try connection.query(sql, parameters, map: WebTask.init(row:))
        }
    }

    public func cancel(id: Int64) async throws -> WebTaskCancelResult {
        defer { changes.changed() }
        // A write runs atomically (in its own savepoint), so no transaction of its own here.
        return try await database.write { connection in
            try connection.run(WebTaskSQL.cancelPending, id)
            let changed = connection.changes > 0
            guard let task = try connection.queryFirst(WebTaskSQL.selectById, id, map: WebTask.init(row:)) else {
                return .notFound
            }
            guard changed else { return .notPending(task) }
            try connection.appendEvent(.taskCanceled, task: task)
            return .canceled(task)
        }
    }

    public func bind(
        webTaskId: Int64, schedulerTaskId: Int64, origin: BindingOrigin, completing command: CommandOutcome, observation: ExecutionObservation?
    ) async throws -> BindStoreResult {
        defer { changes.changed() }
        return try await database.write { connection in
            try connection.finishCommand(command)
            try connection.run(WebTaskSQL.insertBinding, webTaskId, schedulerTaskId, origin.rawValue)
            if connection.changes > 0 {
                try connection.run(WebTaskSQL.touch, webTaskId)
                guard var task = try connection.queryFirst(WebTaskSQL.selectById, webTaskId, map: WebTask.init(row:)) else {
                    return .notFound
                }
                try connection.appendEvent(.taskBound, task: task)
                // A task bound just now has no observation: this one is its first, so a change
                // of status, and the task as read plus it is the task as stored.
                if let observation {
                    try connection.writeObservation(observation, webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, source: .bind)
                    task.execution = observation
                    try connection.appendEvent(.executionChanged, task: task)
                }
                return .bound(task)
            }
            guard let task = try connection.queryFirst(WebTaskSQL.selectById, webTaskId, map: WebTask.init(row:)) else {
                return .notFound
            }
            if task.schedulerTaskId == nil, let owner = try connection.queryFirst(WebTaskSQL.selectOwner, schedulerTaskId, map: { $0.int64(0) }) {
                return .ownedBy(webTaskId: owner)
            }
            return .bound(task)
        }
    }

}

extension Connection {
    /// Inserts a web task and its `task.created` event.
    func insertTask(type: String, payload: String) throws -> WebTask {
        guard let task = try queryFirst(WebTaskSQL.insert, type, payload, map: WebTask.init(row:)) else {
            throw SQLiteError(code: 1, message: "INSERT … RETURNING returned no row", sql: WebTaskSQL.insert)
        }
        try appendEvent(.taskCreated, task: task)
        return task
    }
}

extension WebTask {
    /// Reads `WebTaskSQL.columns`.
    init(row: Row) {
        self.init(
            id: row.int64(0),
            type: row.string(1),
            payload: row.string(2),
            status: WebTaskStatus(rawValue: row.string(3)) ?? .pending,
            schedulerTaskId: row.optionalInt64(4),
            createdAt: row.string(5),
            updatedAt: row.string(6),
            execution: row.isNull(7) ? nil : ExecutionObservation(
                status: row.string(7), retryState: row.optionalString(8), attemptCount: row.optionalInt64(9),
                maxAttempts: row.optionalInt64(10), lastError: row.optionalString(11),
                schedulerUpdatedAt: row.optionalString(12), observedAt: row.string(13)
            ),
            bindingOrigin: row.optionalString(14).flatMap(BindingOrigin.init(rawValue:))
        )
    }
}
