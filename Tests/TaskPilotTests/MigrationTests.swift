import Foundation
import SQLiteDB
import TaskPilot
import Testing

@Suite(.enabled(if: !TestDatabase.isPostgres, "the SQLite migrations; PostgresMigrationTests has the PostgreSQL ones"))
struct MigrationTests {
    let folder = TemporaryFolder()

    @Test func theBinaryCarriesExactlyTheMigrationFiles() throws {
        let directory = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../../migrations").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        #expect(!files.isEmpty)
        #expect(Migration.all.map(\.name) == files)
        for migration in Migration.all {
            let text = try String(contentsOf: directory.appending(path: migration.name), encoding: .utf8)
            #expect(migration.sql == text, "\(migration.name) is embedded byte for byte")
        }
        #expect(Migration.all.map(\.version) == Array(1...Migration.all.count))
    }

    @Test func freshDatabaseGetsEveryMigrationAndASecondRunIsANoOp() async throws {
        let database = try Database(path: folder.path("fresh.sqlite"))
        let first = try await database.writeAlone { try Migrator().migrate($0) }
        #expect(first == Migration.all.map(\.version))
        let second = try await database.writeAlone { try Migrator().migrate($0) }
        #expect(second.isEmpty)
        let recorded = try await database.read { connection in
            try connection.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version") {
                "\($0.int(0)) \($0.string(1)) \($0.string(2))"
            }
        }
        #expect(recorded == Migration.all.map { "\($0.version) \($0.name) \($0.checksum)" })
        let tables = try await database.read { connection in
            try connection.query("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE '%STRICT%' ORDER BY name") { $0.string(0) }
        }
        #expect(tables == ["bindings", "events", "execution_observations", "idempotency_keys", "scheduler_commands", "schema_migrations", "web_tasks"])
        try await database.close()
    }

    @Test func aChangedMigrationIsRefused() async throws {
        let database = try Database(path: folder.path("changed.sqlite"))
        _ = try await database.writeAlone { try Migrator().migrate($0) }
        let edited = Migration.all.map { Migration(version: $0.version, name: $0.name, sql: $0.sql + "\n-- edited") }
        let error = await #expect(throws: MigrationError.self) {
            try await database.writeAlone { try Migrator(migrations: edited).migrate($0) }
        }
        #expect(error?.description.hasPrefix("migration 0001_initial.sql was changed after it was applied") == true)
        try await database.close()
    }

    @Test func aDatabaseNewerThanTheBinaryIsRefused() async throws {
        let database = try Database(path: folder.path("newer.sqlite"))
        _ = try await database.writeAlone { try Migrator().migrate($0) }
        try await database.write { try $0.run("INSERT INTO schema_migrations (version, name, checksum) VALUES (999, '0999_future.sql', 'x')") }
        let error = await #expect(throws: MigrationError.self) {
            try await database.writeAlone { try Migrator().migrate($0) }
        }
        #expect(error == .newerThanBinary(version: 999, name: "0999_future.sql"))
        try await database.close()

        await #expect(throws: MigrationError.self, "the service refuses to start on it too") {
            _ = try await buildApplication(testConfiguration(database: folder.path("newer.sqlite")), logger: quietLogger)
        }
    }

    @Test func aFailingMigrationLeavesNoTrace() async throws {
        let database = try Database(path: folder.path("failing.sqlite"))
        let broken = Migration.all + [Migration(version: 99, name: "0099_broken.sql", sql: "CREATE TABLE half (x INTEGER) STRICT; SELECT no_such_function();")]
        await #expect(throws: SQLiteError.self) {
            try await database.writeAlone { try Migrator(migrations: broken).migrate($0) }
        }
        let state = try await database.read { connection in
            (
                try connection.query("SELECT version FROM schema_migrations") { $0.int(0) },
                try connection.queryFirst("SELECT count(*) FROM sqlite_schema WHERE name = 'half'") { $0.int(0) }
            )
        }
        #expect(state.0 == Migration.all.map(\.version), "the good migrations stay applied, the broken one is not recorded")
        #expect(state.1 == 0, "the broken migration's transaction was rolled back")
        try await database.close()
    }
}
