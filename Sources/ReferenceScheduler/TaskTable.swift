import Foundation
import SQLiteDB

/// The reference scheduler's own SQLite file: one table of tasks, nothing shared with TaskPilot's.
///
/// Ids come from AUTOINCREMENT, so an id once handed out is never handed out again. Timestamps
/// are REAL seconds since 1970 (UTC), the very value the answers' timestamps are rendered from,
/// so a task reads back exactly as it was answered.
enum TaskTable {
    static let schema = """
        CREATE TABLE IF NOT EXISTS scheduler_tasks (
            id                     INTEGER PRIMARY KEY AUTOINCREMENT,
            type                   TEXT NOT NULL,
            payload                TEXT NOT NULL,
            status                 TEXT NOT NULL CHECK (status IN
                                       ('PENDING', 'ENQUEUED', 'PROCESSING', 'SUCCEEDED', 'FAILED', 'DEAD', 'CANCELED')),
            created_at             REAL NOT NULL,
            updated_at             REAL NOT NULL,
            scheduled_for          REAL NOT NULL,
            processing_started_at  REAL,
            completed_at           REAL,
            worker_id              TEXT,
            attempt_count          INTEGER NOT NULL,
            max_attempts           INTEGER NOT NULL,
            next_run_at            REAL,
            last_error             TEXT
        ) STRICT;
        """

    /// The columns in `SchedulerTask(row:)`'s order.
    private static let columns = """
        id, type, payload, status, created_at, updated_at, scheduled_for, processing_started_at,
        completed_at, worker_id, attempt_count, max_attempts, next_run_at, last_error
        """

    private static let insertSQL = """
        INSERT INTO scheduler_tasks (type, payload, status, created_at, updated_at, scheduled_for, attempt_count, max_attempts)
        VALUES (?, ?, 'PENDING', ?, ?, ?, 0, ?)
        RETURNING \(columns)
        """

    private static let updateSQL = """
        UPDATE scheduler_tasks
        SET status = ?, updated_at = ?, scheduled_for = ?, processing_started_at = ?, completed_at = ?,
            worker_id = ?, attempt_count = ?, next_run_at = ?, last_error = ?
        WHERE id = ?
        """

    private static let findSQL = "SELECT \(columns) FROM scheduler_tasks WHERE id = ?"

    private static let unfinishedSQL = """
        SELECT \(columns) FROM scheduler_tasks
        WHERE status NOT IN ('SUCCEEDED', 'DEAD', 'CANCELED')
        ORDER BY id
        """

    /// Inserts a new PENDING task and answers it as stored, with its new id.
    static func insert(
        type: String,
        payload: String,
        createdAt: Date,
        scheduledFor: Date,
        maxAttempts: Int,
        in connection: Connection
    ) throws -> SchedulerTask {
        let created = try connection.queryFirst(
            insertSQL,
            type, payload, createdAt.timeIntervalSince1970, createdAt.timeIntervalSince1970,
            scheduledFor.timeIntervalSince1970, maxAttempts,
            map: SchedulerTask.init(row:)
        )
        guard let created else { throw MalformedTaskRow(description: "INSERT … RETURNING answered no row") }
        return created
    }

    /// Writes every field a task's lifecycle changes.
    static func update(_ task: SchedulerTask, in connection: Connection) throws {
        try connection.run(
            updateSQL,
            task.status.rawValue, task.updatedAt.timeIntervalSince1970, task.scheduledFor.timeIntervalSince1970,
            task.processingStartedAt?.timeIntervalSince1970, task.completedAt?.timeIntervalSince1970,
            task.workerId, task.attemptCount, task.nextRunAt?.timeIntervalSince1970, task.lastError,
            task.id
        )
    }

    static func find(_ id: Int64, in connection: Connection) throws -> SchedulerTask? {
        try connection.queryFirst(findSQL, id, map: SchedulerTask.init(row:))
    }

    /// Tasks not yet in a terminal state, oldest first.
    static func unfinished(in connection: Connection) throws -> [SchedulerTask] {
        try connection.query(unfinishedSQL, map: SchedulerTask.init(row:))
    }
}

/// A row this code could not have written: the file was edited by hand, or is not ours.
struct MalformedTaskRow: Error, CustomStringConvertible {
    let description: String
}

extension SchedulerTask {
    /// Reads a row selected with `TaskTable`'s column list.
    fileprivate init(row: Row) throws {
        guard let status = Status(rawValue: row.string(3)) else {
            throw MalformedTaskRow(description: "task \(row.int64(0)) has unknown status \(row.string(3))")
        }
        self.init(
            id: row.int64(0), type: row.string(1), payload: row.string(2), status: status,
            createdAt: row.date(4), updatedAt: row.date(5), scheduledFor: row.date(6),
            processingStartedAt: row.optionalDate(7), completedAt: row.optionalDate(8), workerId: row.optionalString(9),
            attemptCount: row.int(10), maxAttempts: row.int(11), nextRunAt: row.optionalDate(12), lastError: row.optionalString(13)
        )
    }
}

extension Row {
    fileprivate func date(_ index: Int) -> Date {
        Date(timeIntervalSince1970: double(index))
    }

    fileprivate func optionalDate(_ index: Int) -> Date? {
        isNull(index) ? nil : date(index)
    }
}
