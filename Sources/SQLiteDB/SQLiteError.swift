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
