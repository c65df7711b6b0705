import Foundation
import Logging
import SQLiteDB

/// The backend `buildApplication` runs on: the SQLite file by default, PostgreSQL when
/// `db.url` names one. The service sees only the repositories.
struct TaskPilotStorage: Sendable {
    var webTasks: any WebTaskRepository
    var observations: any ExecutionObservationRepository
    var events: any TaskEventRepository
    var commandLog: any CommandLog
    var locks: any TaskLocks
    var health: any StorageHealth
    /// Where the data is, for the start-up line: the file, or the URL without its password.
    var location: String
    /// The SQLite database, for its file-size metrics; nil on PostgreSQL.
    var sqlite: Database?
    /// The PostgreSQL database, for the services replicas share through it; nil on SQLite.
    var postgres: PostgresSettings?
    let close: @Sendable () async throws -> Void

    /// Opens the configured backend and brings its schema up to date; commits announce
    /// themselves on `changes`.
    static func open(
        _ configuration: TaskPilotConfiguration, changes: ChangeSignal, metrics: TaskPilotMetrics, logger: Logger
    ) async throws -> TaskPilotStorage {
        if let settings = try configuration.postgresSettings() {
            let store = PostgresStore(settings: settings, timeout: .milliseconds(configuration.databaseTimeoutMilliseconds), logger: logger)
            let applied: [Int]
            do {
                applied = try await PostgresMigrator().migrate(store)
            } catch let error as StorageUnavailableError {
                await store.close()
                throw StartupError(description: error.message)
            } catch {
                await store.close()
                throw error
            }
            if !applied.isEmpty {
                logger.info("applied migrations", metadata: ["versions": "\(applied)", "db": "\(settings.redacted)"])
            }
            let locks = PostgresTaskLocks(settings: settings, wait: .milliseconds(configuration.databaseTimeoutMilliseconds), logger: logger)
            return TaskPilotStorage(
                webTasks: PostgresWebTaskRepository(store: store, changes: changes),
                observations: PostgresExecutionObservationRepository(store: store, changes: changes),
                events: PostgresTaskEventRepository(store: store),
                commandLog: PostgresCommandLog(store: store),
                locks: locks,
                health: PostgresStorageHealth(store: store),
                location: settings.redacted,
                sqlite: nil,
                postgres: settings,
                close: {
                    await locks.close()
                    await store.close()
                }
            )
        }
        var onCommit: (@Sendable (Int, Duration) -> Void)?
        if metrics.enabled {
            onCommit = { metrics.recordCommit(writes: $0, duration: $1) }
        }
        // Checking every page takes seconds on a large file, which a restart should not wait
        // for; a file up to 32 MiB (a fifth of a second) is checked first, and refused damaged.
        let size = (try? FileManager.default.attributesOfItem(atPath: configuration.databasePath)[.size] as? Int) ?? 0
        let (database, applied) = try await TaskPilotDatabase.open(
            path: configuration.databasePath, onCommit: onCommit, pageCheck: size > 32 << 20 ? .beside : .beforeOpening
        )
        if !applied.isEmpty {
            logger.info("applied migrations", metadata: ["versions": "\(applied)", "db": "\(configuration.databasePath)"])
        }
        return TaskPilotStorage(
            webTasks: SQLiteWebTaskRepository(database: database, changes: changes),
            observations: SQLiteExecutionObservationRepository(database: database, changes: changes),
            events: SQLiteTaskEventRepository(database: database),
            commandLog: SQLiteCommandLog(database: database),
            locks: ProcessTaskLocks(),
            health: SQLiteStorageHealth(database: database),
            location: configuration.databasePath,
            sqlite: database,
            postgres: nil,
            close: { try await database.close() }
        )
    }
}
