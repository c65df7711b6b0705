import CSQLite

/// Every failure of the wrapper: SQLite's extended result code, its message and the SQL that failed.
/// Bound values are never included, so an error can be logged without leaking data.
public struct SQLiteError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The extended result code, for example 2067 (`SQLITE_CONSTRAINT_UNIQUE`).
    public let code: Int32
    public let message: String
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code (the low byte), for example 19 (`SQLITE_CONSTRAINT`) for 2067.
    public var primaryCode: Int32 { code & 0xFF }

    public var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }

    /// The storage itself failed: read-only, I/O error, disk full, corruption, a file that cannot
    /// be opened or is not a database. Such a failure is the environment's, not the request's.
    public var isStorageFailure: Bool {
        [SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB, SQLITE_PROTOCOL, SQLITE_NOMEM]
            .contains(primaryCode)
    }

    public var description: String {
        var text = "SQLite error \(code): \(message)"
        if let sql { text += " [\(sql)]" }
        return text
    }

    /// Reads the current error of `handle`; used right after a call returned `code`.
    static func from(_ handle: OpaquePointer?, code: Int32, sql: String? = nil) -> SQLiteError {
        let message = handle.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(code))
        let extended = handle.map { sqlite3_extended_errcode($0) } ?? code
        return SQLiteError(code: extended, message: message, sql: sql)
    }
}

/// The database file could not be opened for use; `description` names the file and the cause.
public struct DatabaseOpenError: Error, CustomStringConvertible {
    public let path: String
    public let cause: any Error

    public var description: String {
        let reason = (cause as? SQLiteError)?.message ?? "\(cause)"
        return "cannot use database \(path): \(reason)"
    }
}
