import NIOConcurrencyHelpers
import PostgresNIO

/// `StorageHealth` of the PostgreSQL database. Liveness does not ask the server: a replica whose
/// database is away is alive (and not ready), and comes back by itself.
struct PostgresStorageHealth: StorageHealth {
    let store: PostgresStore

    var fault: String? { store.isClosed ? "the database is closed" : nil }

    func writeProblem() async -> String? {
        do {
            try await store.write { connection in
                try await connection.run("SELECT 1")
            }
            return nil
        } catch {
            return "\(error)"
        }
    }

    func migrationProblem() async -> String? {
        do {
            let applied = try await PostgresMigrator().applied(store)
            let known = PostgresMigrator().migrations.map(\.version)
            return applied == known ? nil : "the database has \(applied), this binary \(known)"
        } catch {
            return "\(error)"
        }
    }
}
