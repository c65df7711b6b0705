import Foundation
import SQLiteDB
import Testing

@Suite struct DatabaseTests {
    let folder = TemporaryFolder()

    @Test func createsFolderAndFileOwnerOnlyInWALMode() async throws {
        let path = folder.path("nested/dir/db.sqlite")
        let database = try Database(path: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let (mode, synchronous, foreignKeys) = try await database.writeAlone { connection in
            try connection.queryFirst("SELECT * FROM pragma_journal_mode, pragma_synchronous, pragma_foreign_keys") {
                ($0.string(0), $0.int(1), $0.int(2))
            }!
        }
        #expect(mode == "wal")
        #expect(synchronous == 2)  // FULL
        #expect(foreignKeys == 1)
        try await database.close()
    }

    @Test func readersSeeCommittedWritesAndCannotWrite() async throws {
        let database = try Database(path: folder.path("rw.sqlite"))
        try await database.write { try $0.execute("CREATE TABLE t (k INTEGER) STRICT; INSERT INTO t VALUES (7)") }
        #expect(try await database.read { try $0.queryFirst("SELECT k FROM t") { $0.int(0) } } == 7)
        let error = await #expect(throws: SQLiteError.self) {
            try await database.read { try $0.run("INSERT INTO t VALUES (8)") }
        }
        #expect(error?.primaryCode == 8)  // SQLITE_READONLY
        try await database.close()
    }

    @Test func aReadDoesNotWaitBehindAnOpenWriteTransaction() async throws {
        let database = try Database(path: folder.path("wal.sqlite"))
        try await database.write { try $0.execute("CREATE TABLE t (k INTEGER) STRICT; INSERT INTO t VALUES (1)") }
        let writeStarted = AsyncStream.makeStream(of: Void.self)
        async let write: Void = database.writeAlone { connection in
            try connection.transaction {
                try connection.run("INSERT INTO t VALUES (2)")
                writeStarted.continuation.yield()
                // Hold the write transaction open while the reader runs.
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
        for await _ in writeStarted.stream { break }
        let seen = try await database.read { try $0.queryFirst("SELECT count(*) FROM t") { $0.int(0) } }
        // Had the read waited for the writer, it would have seen the committed second row.
        #expect(seen == 1, "the reader sees the last committed state without waiting")
        try await write
        #expect(try await database.read { try $0.queryFirst("SELECT count(*) FROM t") { $0.int(0) } } == 2)
        try await database.close()
    }

    @Test func concurrentWritesShareCommitsAndAFailingWriteFailsAlone() async throws {
        let database = try Database(path: folder.path("group.sqlite"))
        try await database.write { try $0.execute("CREATE TABLE t (k INTEGER UNIQUE) STRICT; INSERT INTO t VALUES (-1)") }
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<300 {
                group.addTask {
                    // Every tenth write inserts a second row, then breaks the UNIQUE constraint.
                    let fails = index % 10 == 0
                    do {
                        try await database.write { connection in
                            try connection.run("INSERT INTO t VALUES (?)", index + 1000)
                            try connection.run("INSERT INTO t VALUES (?)", fails ? -1 : index)
                        }
                        return (index, true)
                    } catch {
                        return (index, false)
                    }
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.filter { !$0.value }.keys.sorted() == Array(stride(from: 0, to: 300, by: 10)))
        let stored = try await database.read { try $0.query("SELECT k FROM t ORDER BY k") { $0.int(0) } }
        let succeeded = (0..<300).filter { $0 % 10 != 0 }
        #expect(stored == [-1] + succeeded + succeeded.map { $0 + 1000 }, "a failed write left nothing, the others everything")
        #expect(try await database.read { try $0.queryFirst("PRAGMA integrity_check") { $0.string(0) } } == "ok")
        try await database.close()
    }

    @Test func aWriteIsDurableWhenItReturns() async throws {
        let path = folder.path("durable.sqlite")
        let database = try Database(path: path)
        try await database.write { try $0.execute("CREATE TABLE t (k INTEGER) STRICT") }
        try await database.write { try $0.run("INSERT INTO t VALUES (42)") }
        // A second, independent connection sees it: it is committed, not merely queued.
        let other = try Connection(path: path, mode: .readOnly)
        #expect(try other.queryFirst("SELECT k FROM t") { $0.int(0) } == 42)
        try await database.close()
    }

    @Test func closedDatabaseRefusesWork() async throws {
        let path = folder.path("closed.sqlite")
        let database = try Database(path: path)
        try await database.write { try $0.execute("CREATE TABLE t (k INTEGER) STRICT; INSERT INTO t VALUES (1)") }
        #expect(try await database.read { try $0.queryFirst("SELECT k FROM t") { $0.int(0) } } == 1)
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        try await database.close()
        #expect(!database.isOpen)
        // Closing the last connection checkpoints the WAL and removes it: every connection is closed.
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        await #expect(throws: (any Error).self) {
            try await database.write { try $0.run("INSERT INTO t VALUES (2)") }
        }
        await #expect(throws: (any Error).self) {
            try await database.read { _ in 1 }
        }
    }
}
