import SQLiteDB

/// The commands TaskPilot sends to the DTP.
public enum SchedulerCommand: String, Sendable {
    case create = "CREATE"
    case attach = "ATTACH"
    case cancel = "CANCEL"
}

/// What the DTP answered to one logged command, ready to be written to its row.
public struct CommandOutcome: Sendable, Equatable {
    public var record: Int64
    /// The DTP task id the answer revealed (a create's new id), if any.
    public var schedulerTaskId: Int64?
    public var httpStatus: Int?
    public var message: String?
}

/// Records every command sent to the DTP: a row before the call, completed after it, so a
/// call that TaskPilot did not live to see answered is still on record.
public protocol CommandLog: Sendable {
    /// Records a command about to be sent; `requestId` is the request it is sent for.
    func start(_ command: SchedulerCommand, webTaskId: Int64, schedulerTaskId: Int64?, requestId: String?) async throws -> Int64
    func finish(_ outcome: CommandOutcome) async throws
    /// A web task's commands, newest first, each older than `before` when given; nil when
    /// there is no such web task.
    func entries(webTaskId: Int64, before: Int64?, limit: Int) async throws -> [CommandLogEntry]?
}

public struct SQLiteCommandLog: CommandLog {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func start(_ command: SchedulerCommand, webTaskId: Int64, schedulerTaskId: Int64?, requestId: String?) async throws -> Int64 {
        try await database.write { connection in
            try connection.run(CommandLogSQL.insertStarted, webTaskId, command.rawValue, schedulerTaskId, requestId)
            return connection.lastInsertRowID
        }
    }

    public func finish(_ outcome: CommandOutcome) async throws {
        try await database.write { try $0.finishCommand(outcome) }
    }

    public func entries(webTaskId: Int64, before: Int64?, limit: Int) async throws -> [CommandLogEntry]? {
        try await database.read { connection in
            guard try connection.queryFirst(CommandLogSQL.taskExists, webTaskId, map: { _ in true }) != nil else {
                return nil
            }
            return try connection.query(CommandLogSQL.selectForTask, webTaskId, before ?? Int64.max, limit) { row in
                CommandLogEntry(
                    id: row.int64(0), command: row.string(1), schedulerTaskId: row.optionalInt64(2), requestId: row.optionalString(3),
                    startedAt: row.string(4), finishedAt: row.optionalString(5), httpStatus: row.optionalInt64(6), message: row.optionalString(7)
                )
            }
        }
    }
}

extension Connection {
    /// Completes a command's row with what the DTP answered.
    func finishCommand(_ outcome: CommandOutcome) throws {
        try run(CommandLogSQL.finish, outcome.schedulerTaskId, outcome.httpStatus, outcome.message, outcome.record)
    }
}
