import Foundation
import SQLiteDB
import Testing

@Suite struct ConnectionTests {
    let folder = TemporaryFolder()

    @Test func opensCreatesAndClosesAFile() throws {
        let path = folder.path("open.sqlite")
        do {
            let connection = try Connection(path: path)
            try connection.execute("CREATE TABLE t (x INTEGER) STRICT")
        }
        #expect(FileManager.default.fileExists(atPath: path))
        let reopened = try Connection(path: path, mode: .readOnly)
        #expect(try reopened.queryFirst("SELECT count(*) FROM t") { $0.int(0) } == 0)
    }

    @Test func failedOpenThrowsSQLitesCode() {
        #expect {
            _ = try Connection(path: folder.path("missing/folder/x.sqlite"), mode: .readOnly)
        } throws: { error in
            (error as? SQLiteError)?.primaryCode == 14  // SQLITE_CANTOPEN
        }
    }

    @Test func bindsAndReadsBackEveryType() throws {
        let connection = try Connection(path: folder.path("types.sqlite"))
        try connection.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n ANY) STRICT")
        let text = "héllo \u{0}wörld ✓"
        try connection.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", Int64.max, 2.5, text, [UInt8]([0, 1, 255]), SQLiteValue.null)
        try connection.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", -1, -0.125, "", [UInt8](), Optional<String>.none)
        let rows = try connection.query("SELECT i, r, s, b, n FROM t ORDER BY rowid") { row in
            [row.value(0), row.value(1), row.value(2), row.value(3), row.value(4)]
        }
        #expect(rows[0] == [.integer(Int64.max), .real(2.5), .text(text), .blob([0, 1, 255]), .null])
        #expect(rows[1][0] == .integer(-1))
        #expect(rows[1][2] == .text(""))
        let typed = try connection.queryFirst("SELECT i, s, n, b FROM t ORDER BY rowid") { row in
            (row.int64(0), row.string(1), row.optionalString(2), row.blob(3))
        }
        #expect(typed?.0 == Int64.max)
        #expect(typed?.1 == text)
        #expect(typed?.2 == nil)
        #expect(typed?.3 == [0, 1, 255])
    }

    @Test func boolsBindAsIntegers() throws {
        let connection = try Connection(path: folder.path("bool.sqlite"))
        #expect(try connection.queryFirst("SELECT ?, ?", true, false) { [$0.bool(0), $0.bool(1)] } == [true, false])
    }

    @Test func wrongParameterCountIsAnError() throws {
        let connection = try Connection(path: folder.path("params.sqlite"))
        #expect(throws: SQLiteError.self) {
            try connection.run("SELECT ?, ?", 1)
        }
    }

    @Test func uniqueViolationCarriesTheExtendedCode() throws {
        let connection = try Connection(path: folder.path("unique.sqlite"))
        try connection.execute("CREATE TABLE t (k TEXT PRIMARY KEY) STRICT")
        try connection.run("INSERT INTO t VALUES (?)", "a")
        let error = #expect(throws: SQLiteError.self) {
            try connection.run("INSERT INTO t VALUES (?)", "a")
        }
        #expect(error?.code == 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY
        #expect(error?.isConstraintViolation == true)
        #expect(error?.sql == "INSERT INTO t VALUES (?)")
        #expect(error?.description.contains("\"a\"") == false, "bound values never appear in errors")

        try connection.execute("CREATE TABLE u (k TEXT UNIQUE) STRICT")
        try connection.run("INSERT INTO u VALUES (?)", "b")
        let unique = #expect(throws: SQLiteError.self) {
            try connection.run("INSERT INTO u VALUES (?)", "b")
        }
        #expect(unique?.code == 2067)  // SQLITE_CONSTRAINT_UNIQUE
        #expect(unique?.message.contains("UNIQUE constraint failed") == true)
    }

    @Test func strictTablesRejectWrongTypes() throws {
        let connection = try Connection(path: folder.path("strict.sqlite"))
        try connection.execute("CREATE TABLE t (i INTEGER) STRICT")
        let error = #expect(throws: SQLiteError.self) {
            try connection.run("INSERT INTO t VALUES (?)", "not a number")
        }
        #expect(error?.code == 3091)  // SQLITE_CONSTRAINT_DATATYPE
    }

    @Test func aFailedStatementIsNotReused() throws {
        let connection = try Connection(path: folder.path("reuse.sqlite"))
        try connection.execute("CREATE TABLE t (k INTEGER UNIQUE) STRICT")
        let insert = "INSERT INTO t VALUES (?)"
        try connection.run(insert, 1)
        #expect(connection.isCached(insert))
        #expect(throws: SQLiteError.self) { try connection.run(insert, 1) }
        #expect(!connection.isCached(insert))
        try connection.run(insert, 2)
        #expect(connection.isCached(insert))
        #expect(try connection.query("SELECT k FROM t ORDER BY k") { $0.int(0) } == [1, 2])
    }

    @Test func aRolledBackTransactionLeavesNothing() throws {
        struct Abort: Error {}
        let connection = try Connection(path: folder.path("rollback.sqlite"))
        try connection.execute("CREATE TABLE t (k INTEGER) STRICT")
        #expect(throws: Abort.self) {
            try connection.transaction {
                try connection.run("INSERT INTO t VALUES (1)")
                try connection.run("INSERT INTO t VALUES (2)")
                throw Abort()
            }
        }
        #expect(!connection.isInTransaction)
        #expect(try connection.queryFirst("SELECT count(*) FROM t") { $0.int(0) } == 0)
        try connection.transaction { try connection.run("INSERT INTO t VALUES (3)") }
        #expect(try connection.query("SELECT k FROM t") { $0.int(0) } == [3])
    }

    @Test func aTransactionSQLiteRolledBackItselfIsNotRolledBackAgain() throws {
        let connection = try Connection(path: folder.path("autorollback.sqlite"))
        try connection.execute("CREATE TABLE t (k INTEGER PRIMARY KEY) STRICT")
        // RAISE(ROLLBACK) ends the transaction inside SQLite; our ROLLBACK must not run on top of it.
        try connection.execute("CREATE TRIGGER t_no_two BEFORE INSERT ON t WHEN NEW.k = 2 BEGIN SELECT RAISE(ROLLBACK, 'no twos'); END")
        let error = #expect(throws: SQLiteError.self) {
            try connection.transaction {
                try connection.run("INSERT INTO t VALUES (1)")
                try connection.run("INSERT INTO t VALUES (2)")
            }
        }
        #expect(error?.message == "no twos")
        #expect(!connection.isInTransaction)
        #expect(try connection.queryFirst("SELECT count(*) FROM t") { $0.int(0) } == 0)
    }
}

/// A fresh folder under the system's temporary directory, one per test.
struct TemporaryFolder: Sendable {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appending(path: "sqlitedb-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String {
        url.appending(path: name).path
    }
}
