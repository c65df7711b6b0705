import SQLiteDB

/// Opens TaskPilot's database file and brings its schema up to date.
public enum TaskPilotDatabase {
    /// Opens `path` (creating it when missing) and applies pending migrations. A changed
    /// migration or a database newer than this binary throws `MigrationError`.
    public static func open(path: String) async throws -> (database: Database, applied: [Int]) {
        let database = try Database(path: path)
        do {
            let applied = try await database.writeAlone { try Migrator().migrate($0) }
            return (database, applied)
        } catch {
            try? await database.close()
            throw error
        }
    }
}
