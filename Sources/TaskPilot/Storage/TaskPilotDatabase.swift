import Logging
import SQLiteDB

/// Opens TaskPilot's database file and brings its schema up to date.
public enum TaskPilotDatabase {
    /// Opens `path` (creating it when missing) and applies pending migrations. A changed
    /// migration or a database newer than this binary throws `MigrationError`; a file that is
    /// held by another process, cannot be written or (checked before opening) is damaged
    /// throws `StartupError`.
    public static func open(
        path: String, onCommit: (@Sendable (_ writes: Int, _ duration: Duration) -> Void)? = nil,
        pageCheck: PageCheck = .beforeOpening
    ) async throws -> (database: Database, applied: [Int]) {
        let database: Database
        do {
            database = try Database(path: path, options: .init(onCommit: onCommit, pageCheck: pageCheck))
        } catch let error as DatabaseLockedError {
            throw StartupError(description: error.description)
        } catch let error as DatabaseOpenError {
            throw StartupError(description: error.description)
        }
        do {
            let applied = try await database.writeAlone { try Migrator().migrate($0) }
            return (database, applied)
        } catch {
            try? await database.close()
            throw error
        }
    }
}

/// Why TaskPilot cannot start; `description` is the one line an operator sees.
public struct StartupError: Error, Equatable, CustomStringConvertible {
    public let description: String
}

extension TaskPilotDatabase {
    /// Brings the configured database (the SQLite file, or PostgreSQL when `db.url` names one)
    /// up to date and closes it; answers where it is (without a password) and what was applied.
    public static func migrate(_ configuration: TaskPilotConfiguration) async throws -> (location: String, applied: [Int]) {
        guard let settings = try configuration.postgresSettings() else {
            let (database, applied) = try await open(path: configuration.databasePath)
            try await database.close()
            return (configuration.databasePath, applied)
        }
        let store = PostgresStore(settings: settings, logger: Logger(label: "taskpilot.migrate"))
        do {
            let applied = try await PostgresMigrator().migrate(store)
            await store.close()
            return (settings.redacted, applied)
        } catch let error as StorageUnavailableError {
            await store.close()
            throw StartupError(description: error.message)
        } catch {
            await store.close()
            throw error
        }
    }
}
