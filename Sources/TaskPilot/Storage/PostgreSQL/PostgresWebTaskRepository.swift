import PostgresNIO
import SQLiteDB

/// `WebTaskRepository` on PostgreSQL. Every change appends its event in the same transaction
/// and wakes this process's feed once committed.
public struct PostgresWebTaskRepository: WebTaskRepository {
    let store: PostgresStore
    let changes: ChangeSignal

    public init(store: PostgresStore, changes: ChangeSignal = ChangeSignal()) {
        self.store = store
        self.changes = changes
    }

    public func create(type: String, payload: String) async throws -> WebTask {
        try Self.requireStorable(type: type, payload: payload)
        defer { changes.changed() }
        return try await store.write { try await $0.insertTask(type: type, payload: payload) }
    }

    public func create(type: String, payload: String, idempotencyKey: String, ttlHours: Int) async throws -> KeyedCreateResult {
        try Self.requireStorable(type: type, payload: payload)
        defer { changes.changed() }
        return try await store.write { connection in
            // Creates with one key wait for each other, on every replica, until the first commits.
            try await connection.run("SELECT pg_advisory_xact_lock(hashtextextended(\(idempotencyKey), 0))")
            try await connection.run("""
                DELETE FROM idempotency_keys
                WHERE created_at < to_char((clock_timestamp() - \(ttlHours) * interval '1 hour') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                """)
            // As SQLite's IdempotencySQL.selectTask: the task without its observation.
            let existing = try await connection.rows("""
                SELECT t.id, t.type, t.payload, t.status, b.scheduler_task_id, t.created_at, t.updated_at,
                    NULL::text, NULL::text, NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::text, b.origin
                FROM idempotency_keys k
                JOIN web_tasks t ON t.id = k.web_task_id
                LEFT JOIN bindings b ON b.web_task_id = t.id
                WHERE k.key = \(idempotencyKey)
                """, map: WebTask.init(postgres:))
            if let task = existing.first {
                return .existing(task)
            }
            let task = try await connection.insertTask(type: type, payload: payload)
            try await connection.run("INSERT INTO idempotency_keys (key, web_task_id) VALUES (\(idempotencyKey), \(task.id))")
            return .created(task)
        }
    }

    /// PostgreSQL's text cannot hold U+0000, which JSON can carry and SQLite stores: a 400 that
    /// says so, instead of a failed write.
    private static func requireStorable(type: String, payload: String) throws(TaskPilotError) {
        guard !type.unicodeScalars.contains("\u{0}"), !payload.unicodeScalars.contains("\u{0}") else {
            throw .invalid("type and payload must not contain U+0000 (NUL) when TaskPilot stores tasks in PostgreSQL")
        }
    }

    public func find(id: Int64) async throws -> WebTask? {
        try await store.read { try await $0.webTask(id: id) }
    }

    public func executionTarget(webTaskId: Int64) async throws -> ExecutionTarget {
        try await store.read { connection in
            let row = try await connection.rows("""
                SELECT b.scheduler_task_id, b.owned_by FROM web_tasks t LEFT JOIN bindings b ON b.web_task_id = t.id
                WHERE t.id = \(webTaskId)
                """) { try $0.decode((Int64?, Int64?).self) }.first
            switch row {
            case nil: return .notFound
            case (nil, _)?: return .unbound
            case (let id?, let owner?)?: return .shared(schedulerTaskId: id, owner: owner)
            case (let id?, nil)?: return .bound(schedulerTaskId: id)
            }
        }
    }

    public func owner(ofSchedulerTask schedulerTaskId: Int64) async throws -> Int64? {
        try await store.read { try await $0.owner(ofSchedulerTask: schedulerTaskId) }
    }

    public func list(_ query: WebTaskQuery) async throws -> [WebTask] {
        // No task stored here has U+0000 in its type, and PostgreSQL refuses it in a parameter.
        if query.type?.unicodeScalars.contains("\u{0}") == true { return [] }
        let (sql, parameters) = WebTaskSQL.selectPage(query)
        let statement = try PostgresQuery(sqlite: sql, parameters)
        return try await store.read { try await $0.rows(statement, map: WebTask.init(postgres:)) }
    }

    public func cancel(id: Int64) async throws -> WebTaskCancelResult {
        defer { changes.changed() }
        return try await store.write { connection in
            let changed = try await connection.rows("""
                UPDATE web_tasks SET status = 'CANCELED', updated_at = taskpilot_now()
                WHERE id = \(id) AND status = 'PENDING' RETURNING id
                """) { _ in true }
            guard let task = try await connection.webTask(id: id) else { return .notFound }
            guard !changed.isEmpty else { return .notPending(task) }
            try await connection.appendEvent(.taskCanceled, task: task)
            return .canceled(task)
        }
    }

    public func bind(
        webTaskId: Int64, schedulerTaskId: Int64, origin: BindingOrigin, completing command: CommandOutcome, observation: ExecutionObservation?
    ) async throws -> BindStoreResult {
        defer { changes.changed() }
        return try await store.write { connection in
            try await connection.finishCommand(command)
            guard try await connection.webTask(id: webTaskId) != nil else { return .notFound }
            // Waits for a bind of the same task or DTP task in another transaction, then stores
            // nothing if that one stored.
            let inserted = try await connection.rows("""
                INSERT INTO bindings (web_task_id, scheduler_task_id, origin) VALUES (\(webTaskId), \(schedulerTaskId), \(origin.rawValue))
                ON CONFLICT DO NOTHING RETURNING web_task_id
                """) { _ in true }
            if !inserted.isEmpty {
                try await connection.run("UPDATE web_tasks SET updated_at = taskpilot_now() WHERE id = \(webTaskId)")
                guard var task = try await connection.webTask(id: webTaskId) else { return .notFound }
                try await connection.appendEvent(.taskBound, task: task)
                // A task bound just now has no observation: this one is its first.
                if let observation {
                    try await connection.writeObservation(observation, webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, source: .bind)
                    task.execution = observation
                    try await connection.appendEvent(.executionChanged, task: task)
                }
                return .bound(task)
            }
            guard let task = try await connection.webTask(id: webTaskId) else { return .notFound }
            if task.schedulerTaskId == nil, let owner = try await connection.owner(ofSchedulerTask: schedulerTaskId) {
                return .ownedBy(webTaskId: owner)
            }
            return .bound(task)
        }
    }
}

extension PostgresConnection {
    func owner(ofSchedulerTask schedulerTaskId: Int64) async throws -> Int64? {
        try await rows("SELECT web_task_id FROM bindings WHERE scheduler_task_id = \(schedulerTaskId) AND owned_by IS NULL") {
            try $0.decode(Int64.self)
        }.first
    }
}

extension PostgresQuery {
    /// A statement written for SQLite (`?` placeholders, as `WebTaskSQL` builds its pages) with
    /// its parameters, numbered for PostgreSQL.
    init(sqlite sql: String, _ parameters: [any SQLiteBindable]) throws {
        var numbered = ""
        var index = 0
        for character in sql {
            if character == "?" {
                index += 1
                numbered += "$\(index)"
            } else {
                numbered.append(character)
            }
        }
        var bindings = PostgresBindings(capacity: parameters.count)
        for parameter in parameters {
            switch parameter {
            case let value as String: bindings.append(value)
            case let value as Int64: bindings.append(value)
            case let value as Int: bindings.append(Int64(value))
            default: preconditionFailure("a page parameter is text or an integer, not \(type(of: parameter))")
            }
        }
        self.init(unsafeSQL: numbered, binds: bindings)
    }
}
