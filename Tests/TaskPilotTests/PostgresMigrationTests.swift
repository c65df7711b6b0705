import Foundation
import TaskPilot
import Testing

/// The PostgreSQL schema: embedded byte for byte, applied once, and a database it does not
/// match is refused as the SQLite file is.
@Suite struct PostgresMigrationTests {
    let folder = TemporaryFolder()

    @Test func theBinaryCarriesExactlyThePostgresMigrationFiles() throws {
        let directory = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../../migrations/postgres").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!files.isEmpty)
        #expect(Migration.postgres.map(\.name) == files)
        for migration in Migration.postgres {
            let text = try String(contentsOf: directory.appending(path: migration.name), encoding: .utf8)
            #expect(migration.sql == text, "\(migration.name) is embedded byte for byte")
        }
        #expect(Migration.postgres.map(\.version) == Array(1...Migration.postgres.count))
    }

    @Test(.enabled(if: TestDatabase.isPostgres, "needs the PostgreSQL server of TASKPILOT_TEST_DB_URL"))
    func appliedOnceAndAChangedOrNewerSchemaIsRefused() async throws {
        let path = folder.path("schema.sqlite")
        let configuration = testConfiguration(database: path)
        try await withTaskPilot(configuration) { client in
            let ready = try await client.send(.get, "/api/ready")
            #expect(ready.status == .ok)
        }
        try await withTaskPilot(configuration) { _ in }
        let applied = try await TestDatabase.rows(path, "SELECT version, name FROM schema_migrations ORDER BY version")
        #expect(applied == Migration.postgres.map { [String($0.version), $0.name] }, "recorded once, not again on the second start")

        _ = try await TestDatabase.rows(path, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
        await #expect(throws: MigrationError.changed(name: Migration.postgres[0].name, appliedChecksum: "edited", binaryChecksum: Migration.postgres[0].checksum)) {
            _ = try await buildApplication(configuration, logger: quietLogger)
        }
        _ = try await TestDatabase.rows(path, "UPDATE schema_migrations SET checksum = '\(Migration.postgres[0].checksum)' WHERE version = 1")
        _ = try await TestDatabase.rows(path, "INSERT INTO schema_migrations (version, name, checksum) VALUES (999, '0999_future.sql', 'x')")
        await #expect(throws: MigrationError.newerThanBinary(version: 999, name: "0999_future.sql")) {
            _ = try await buildApplication(configuration, logger: quietLogger)
        }
    }
}
