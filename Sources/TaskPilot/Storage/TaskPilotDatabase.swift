import SQLiteDB

/// Opens TaskPilot's database file and brings its schema up to date.
public enum TaskPilotDatabase {
    /// Opens `path` (creating it when missing) and applies pending migrations. A changed
    /// migration or a database newer than this binary throws `MigrationError`; a file that is
    /// held by another process, cannot be written or is damaged throws `StartupError`.
    public static func open(
        path: String, onCommit: (@Sendable (_ writes: Int, _ duration: Duration) -> Void)? = nil
    ) async throws -> (database: Database, applied: [Int]) {
        let database: Database
        do {
            database = try Database(path: path, options: .init(onCommit: onCommit))
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
