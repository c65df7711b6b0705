import SQLiteDB

/// `StorageHealth` of the SQLite file.
struct SQLiteStorageHealth: StorageHealth {
    let database: Database

    var fault: String? {
        guard database.isOpen else { return "the database is closed" }
        return database.storageFailure?.message
    }

    /// The probe goes through the writer like any write (an empty one), so a stuck writer holds
    /// the probe's answer too, and a load balancer's probe times out: not ready either way.
    func writeProblem() async -> String? {
        if let fault { return fault }
        do {
            try await database.write { _ in }
            return nil
        } catch {
            return "\(error)"
        }
    }

    func migrationProblem() async -> String? {
        do {
            let applied = try await database.read { connection in
                try connection.query("SELECT version FROM schema_migrations ORDER BY version") { $0.int(0) }
            }
            let known = Migrator().migrations.map(\.version)
            return applied == known ? nil : "the database has \(applied), this binary \(known)"
        } catch {
            return "\(error)"
        }
    }
}
