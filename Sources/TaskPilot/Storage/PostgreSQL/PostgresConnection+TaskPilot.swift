import Logging
import PostgresNIO
import SQLiteDB

/// The reads and writes the PostgreSQL repositories share, run inside the transaction that makes
/// a change so that the change and its event commit together or not at all. The same rules as
/// the SQLite `Connection` extension, in PostgreSQL's SQL.
extension PostgresConnection {
    /// Runs `query` to its end. postgres-nio answers a query once the server took its
    /// parameters; an error while it runs arrives with its rows, so they are always read.
    func run(_ query: PostgresQuery, logger: Logger? = nil) async throws {
        for try await _ in try await self.query(query, logger: logger ?? self.logger) {}
    }

    /// Takes the lock on `event_ids` first thing in a transaction that stores observations. Such
    /// transactions lock observation rows and then the counter (to append `execution.changed`);
    /// taking the counter first makes them queue up on it instead of locking rows in one order
    /// and the counter in another (a deadlock), and each sees what the one before it committed
    /// (no first observation written twice). Creates, cancels and binds lock one task's rows,
    /// which no other transaction locks before the counter, and take the counter last.
    func lockEvents() async throws {
        try await run("SELECT last_given FROM event_ids FOR UPDATE")
    }

    /// The rows of `query`, each read by `map`.
    func rows<Value>(_ query: PostgresQuery, map: (PostgresRow) throws -> Value) async throws -> [Value] {
        var values: [Value] = []
        for try await row in try await self.query(query, logger: logger) {
            values.append(try map(row))
        }
        return values
    }

    func webTask(id: Int64) async throws -> WebTask? {
        try await rows("SELECT \(unescaped: WebTaskSQL.columns) FROM \(unescaped: WebTaskSQL.tables) WHERE t.id = \(id)", map: WebTask.init(postgres:)).first
    }

    /// Inserts a web task and its `task.created` event.
    func insertTask(type: String, payload: String) async throws -> WebTask {
        let inserted = try await rows("""
            INSERT INTO web_tasks (type, payload) VALUES (\(type), \(payload))
            RETURNING id, type, payload, status, NULL::bigint, created_at, updated_at,
                NULL::text, NULL::text, NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::text, NULL::text
            """, map: WebTask.init(postgres:))
        guard let task = inserted.first else { throw StorageUnavailableError(message: "INSERT … RETURNING returned no row") }
        try await appendEvent(.taskCreated, task: task)
        return task
    }

    /// Appends an event carrying the web task as it now is.
    func appendEvent(_ kind: TaskEvent.Kind, webTaskId: Int64, schedulerStatus: Int? = nil, schedulerMessage: String? = nil) async throws {
        guard let task = try await webTask(id: webTaskId) else { return }
        try await appendEvent(kind, task: task, schedulerStatus: schedulerStatus, schedulerMessage: schedulerMessage)
    }

    /// Appends an event carrying `task`. Its id comes from `event_ids`, whose row stays locked
    /// until this transaction ends: ids are given in commit order on every replica. The NOTIFY
    /// goes out when the transaction commits (once, however many events it wrote) and wakes the
    /// feed of every replica (`PostgresChangeListener`).
    func appendEvent(_ kind: TaskEvent.Kind, task: WebTask, schedulerStatus: Int? = nil, schedulerMessage: String? = nil) async throws {
        try await run("""
            WITH next AS (UPDATE event_ids SET last_given = last_given + 1 RETURNING last_given),
            appended AS (
                INSERT INTO events (id, type, web_task_id, task, scheduler_status, scheduler_message)
                SELECT last_given, \(kind.rawValue), \(task.id), \(task.json), \(schedulerStatus), \(schedulerMessage.storableInPostgres) FROM next
                RETURNING id
            )
            SELECT pg_notify(\(PostgresChangeListener.channel), '') FROM appended
            """)
    }

    /// Completes a command's row with what the DTP answered.
    func finishCommand(_ outcome: CommandOutcome) async throws {
        try await run("""
            UPDATE scheduler_commands
            SET finished_at = taskpilot_now(), scheduler_task_id = coalesce(\(outcome.schedulerTaskId), scheduler_task_id),
                http_status = \(outcome.httpStatus), message = \(outcome.message.storableInPostgres)
            WHERE id = \(outcome.record)
            """)
    }

    /// Stores what the DTP said about a web task's execution, unless it says what the stored
    /// observation says; an `execution.changed` event follows when the status differs.
    /// Answers whether anything was stored.
    @discardableResult
    func storeObservation(_ observation: ExecutionObservation, webTaskId: Int64, schedulerTaskId: Int64, source: ObservationSource) async throws -> Bool {
        // Compared as it would be stored, so that an answer holding U+0000 is not new every time.
        let observation = observation.storableInPostgres
        let previous = try await rows("""
            SELECT status, retry_state, attempt_count, max_attempts, last_error, scheduler_updated_at
            FROM execution_observations WHERE web_task_id = \(webTaskId) FOR UPDATE
            """) { row in
            let (status, retryState, attempts, maxAttempts, lastError, updatedAt) = try row.decode((String, String?, Int64?, Int64?, String?, String?).self)
            return ExecutionObservation(
                status: status, retryState: retryState, attemptCount: attempts, maxAttempts: maxAttempts,
                lastError: lastError, schedulerUpdatedAt: updatedAt, observedAt: ""
            )
        }.first
        if let previous, previous.saysSame(as: observation) { return false }
        guard try await writeObservation(observation, webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, source: source) else { return false }
        if previous?.status != observation.status {
            try await appendEvent(.executionChanged, webTaskId: webTaskId)
        }
        return true
    }

    /// The upsert alone; answers whether it stored (an answer the DTP dated earlier than the
    /// stored one does not).
    @discardableResult
    func writeObservation(_ observation: ExecutionObservation, webTaskId: Int64, schedulerTaskId: Int64, source: ObservationSource) async throws -> Bool {
        let observation = observation.storableInPostgres
        let stored = try await rows("""
            INSERT INTO execution_observations (
                web_task_id, scheduler_task_id, status, retry_state, attempt_count, max_attempts,
                last_error, scheduler_updated_at, observed_at, source)
            VALUES (\(webTaskId), \(schedulerTaskId), \(observation.status), \(observation.retryState),
                \(observation.attemptCount), \(observation.maxAttempts), \(observation.lastError),
                \(observation.schedulerUpdatedAt), \(observation.observedAt), \(source.rawValue))
            ON CONFLICT (web_task_id) DO UPDATE SET
                scheduler_task_id = excluded.scheduler_task_id, status = excluded.status,
                retry_state = excluded.retry_state, attempt_count = excluded.attempt_count,
                max_attempts = excluded.max_attempts, last_error = excluded.last_error,
                scheduler_updated_at = excluded.scheduler_updated_at, observed_at = excluded.observed_at,
                source = excluded.source
            WHERE NOT coalesce(
                taskpilot_instant(excluded.scheduler_updated_at) < taskpilot_instant(execution_observations.scheduler_updated_at), false)
            RETURNING 1
            """) { _ in true }
        return !stored.isEmpty
    }
}

extension WebTask {
    /// Reads `WebTaskSQL.columns` from a PostgreSQL row.
    init(postgres row: PostgresRow) throws {
        let (id, type, payload, status, schedulerTaskId, createdAt, updatedAt, observed, retryState, attempts, maxAttempts, lastError, schedulerUpdatedAt, observedAt, origin) =
            try row.decode((Int64, String, String, String, Int64?, String, String, String?, String?, Int64?, Int64?, String?, String?, String?, String?).self)
        self.init(
            id: id, type: type, payload: payload, status: WebTaskStatus(rawValue: status) ?? .pending,
            schedulerTaskId: schedulerTaskId, createdAt: createdAt, updatedAt: updatedAt,
            execution: observed.map { status in
                ExecutionObservation(
                    status: status, retryState: retryState, attemptCount: attempts, maxAttempts: maxAttempts,
                    lastError: lastError, schedulerUpdatedAt: schedulerUpdatedAt, observedAt: observedAt ?? ""
                )
            },
            bindingOrigin: origin.flatMap(BindingOrigin.init(rawValue:))
        )
    }
}
