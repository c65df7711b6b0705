import CSQLite

/// One SQLite connection. Not thread-safe by itself: `Database` hands each connection
/// to one thread at a time, which is why it may cross isolation domains.
public final class Connection: @unchecked Sendable {
    let handle: OpaquePointer
    private var statementCache: [String: Statement] = [:]

    public enum Mode: Sendable {
        case readWrite
        case readOnly
    }

    /// Opens (and for `.readWrite` creates) the database at `path`.
    public init(path: String, mode: Mode = .readWrite) throws {
        var handle: OpaquePointer?
        let access = mode == .readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let flags = access | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let error = SQLiteError.from(handle, code: code)
            // sqlite3_open_v2 allocates a handle even when it fails; it must still be closed.
            sqlite3_close_v2(handle)
            throw error
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
        _ = csqlite_enable_defensive(handle)
    }

    private var isClosed = false

    /// True when SQLite opened the file read-only although writing was asked for (a file,
    /// folder or file system this process cannot write).
    public var isReadOnly: Bool { sqlite3_db_readonly(handle, "main") == 1 }

    deinit {
        close()
    }

    /// Finalizes the cached statements and closes the connection; later calls fail with
    /// SQLITE_MISUSE. Closing the last connection checkpoints the WAL into the database file.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements with no parameters and no results (schema scripts, pragmas).
    public func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        guard code == SQLITE_OK else {
            let error = SQLiteError.from(handle, code: code, sql: sql)
            sqlite3_free(errorMessage)
            throw error
        }
    }

    /// Runs one statement that returns no rows.
    public func run(_ sql: String, _ values: any SQLiteBindable...) throws {
        try withStatement(sql, values) { statement in
            while try statement.step() {}
        }
    }

    /// Runs one query and maps every row.
    public func query<T>(_ sql: String, _ values: any SQLiteBindable..., map: (Row) throws -> T) throws -> [T] {
        try query(sql, values, map: map)
    }

    public func query<T>(_ sql: String, _ values: [any SQLiteBindable], map: (Row) throws -> T) throws -> [T] {
        try withStatement(sql, values) { statement in
            var results: [T] = []
            while try statement.step() {
                results.append(try map(Row(handle: statement.handle)))
            }
            return results
        }
    }

    /// Runs one query and maps its first row, or answers nil when there is none.
    public func queryFirst<T>(_ sql: String, _ values: any SQLiteBindable..., map: (Row) throws -> T) throws -> T? {
        try withStatement(sql, values) { statement in
            try statement.step() ? try map(Row(handle: statement.handle)) : nil
        }
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: the write lock is taken up front,
    /// so the transaction cannot fail half-way for want of it. Commits when `body` returns,
    /// rolls back when it throws (if SQLite has not already rolled back on its own).
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if isInTransaction {
                try? execute("ROLLBACK")
            }
            throw error
        }
    }

    /// Whether a prepared statement for `sql` is cached (a statement that failed is not).
    public func isCached(_ sql: String) -> Bool {
        statementCache[sql] != nil
    }

    /// Uses the cached statement for `sql`, preparing it on first use. A statement whose
    /// step failed is dropped from the cache, so a broken statement is never reused.
    private func withStatement<T>(_ sql: String, _ values: [any SQLiteBindable], _ body: (Statement) throws -> T) throws -> T {
        let statement = try statementCache[sql] ?? Statement(connection: self, sql: sql, persistent: true)
        statementCache[sql] = nil
        try statement.bind(values)
        let result = try body(statement)
        statement.reset()
        statementCache[sql] = statement
        return result
    }
}
