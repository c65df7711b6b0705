import Foundation
import SQLiteDB
import TaskPilot
import Testing

/// What start-up refuses: a database another process holds, one it cannot use, one damaged.
/// (Read-only and full file systems need a mount: `scripts/storage-test` covers those.)
@Suite(.enabled(if: !TestDatabase.isPostgres, "the SQLite file: its lock, its damage, its place on disk"))
struct DatabaseFileTests {
    let folder = TemporaryFolder()

    @Test func aSecondOpenOfAHeldDatabaseIsRefusedNamingTheHolder() async throws {
        let path = folder.path("held.sqlite")
        let (database, _) = try await TaskPilotDatabase.open(path: path)
        let error = await #expect(throws: StartupError.self) {
            _ = try await TaskPilotDatabase.open(path: path)
        }
        #expect(error?.description == "\(path) is in use by process \(getpid()); only one TaskPilot may use a database file at a time")
        await #expect(throws: StartupError.self, "the service refuses too") {
            _ = try await buildApplication(testConfiguration(database: path), logger: quietLogger)
        }
        try await database.close()
        let (again, _) = try await TaskPilotDatabase.open(path: path)
        try await again.close()
    }

    @Test func aFileThatIsNotADatabaseIsRefusedNamingIt() async throws {
        let path = folder.path("garbage.sqlite")
        try Data(String(repeating: "not a database ", count: 500).utf8).write(to: URL(filePath: path))
        let error = await #expect(throws: StartupError.self) {
            _ = try await TaskPilotDatabase.open(path: path)
        }
        #expect(error?.description == "cannot use database \(path): file is not a database")
    }

    @Test func aDatabaseWithDamagedPagesIsRefusedNamingIt() async throws {
        let path = folder.path("damaged.sqlite")
        let (database, _) = try await TaskPilotDatabase.open(path: path)
        for index in 0..<200 {
            try await database.write { try $0.run("INSERT INTO web_tasks (type, payload) VALUES ('demo', ?)", String(repeating: "p", count: index * 40)) }
        }
        try await database.close()
        // Overwrite the middle of the file (whole pages of the web_tasks tree) with garbage.
        let handle = try FileHandle(forUpdating: URL(filePath: path))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 8192))
        try handle.close()
        let error = await #expect(throws: StartupError.self) {
            _ = try await TaskPilotDatabase.open(path: path)
        }
        #expect(error?.description.hasPrefix("cannot use database \(path): ") == true)
        // The service checks a large file's pages beside its first requests, but a file this
        // small before serving: refused, as before.
        let served = await #expect(throws: StartupError.self) {
            _ = try await buildApplication(testConfiguration(database: path), logger: quietLogger)
        }
        #expect(served?.description.hasPrefix("cannot use database \(path): ") == true)
    }
}
