import Foundation
import SQLiteDB
import Testing

/// `PageCheck.beside`: the file is served at once, and damage found later fails every call.
@Suite struct PageCheckTests {
    let folder = TemporaryFolder()

    /// A file of 200 rows, some long enough to spill onto overflow pages, closed.
    func makeFile(_ name: String) async throws -> String {
        let path = folder.path(name)
        let database = try Database(path: path)
        try await database.write { try $0.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT) STRICT") }
        for index in 0..<200 {
            try await database.write { try $0.run("INSERT INTO t (v) VALUES (?)", String(repeating: "p", count: index * 40)) }
        }
        try await database.close()
        return path
    }

    @Test func damageFoundBesideFailsEveryLaterReadAndWriteForGood() async throws {
        let path = try await makeFile("damaged.sqlite")
        // Overwrite the middle of the file (whole pages of the table) with garbage.
        let handle = try FileHandle(forUpdating: URL(filePath: path))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 8192))
        try handle.close()
        #expect(throws: DatabaseOpenError.self, "checked before opening, the file is refused") {
            _ = try Database(path: path)
        }

        let database = try Database(path: path, options: .init(pageCheck: .beside))
        let damage = try #require(await database.pageCheckOutcome())
        #expect(damage.primaryCode == 11)  // SQLITE_CORRUPT
        #expect(database.storageFailure == damage)
        await #expect(throws: damage) { try await database.read { try $0.queryFirst("SELECT 1") { $0.int(0) } } }
        await #expect(throws: damage) { try await database.write { try $0.run("INSERT INTO t (v) VALUES ('x')") } }
        #expect(database.storageFailure == damage, "a write does not clear damage")
        try await database.close()
    }

    @Test func aSoundFileCheckedBesideServesAndCloses() async throws {
        let path = try await makeFile("sound.sqlite")
        let database = try Database(path: path, options: .init(pageCheck: .beside))
        #expect(try await database.read { try $0.queryFirst("SELECT count(*) FROM t") { $0.int(0) } } == 200)
        #expect(await database.pageCheckOutcome() == nil)
        #expect(database.storageFailure == nil)
        try await database.write { try $0.run("INSERT INTO t (v) VALUES ('x')") }
        try await database.close()

        // Closed at once, while its check may still run: the check is interrupted, not reported.
        let again = try Database(path: path, options: .init(pageCheck: .beside))
        try await again.close()
        #expect(await again.pageCheckOutcome() == nil)
    }
}
