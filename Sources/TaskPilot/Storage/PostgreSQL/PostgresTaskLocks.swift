import Logging
import PostgresNIO

/// `TaskLocks` across replicas: a session advisory lock keyed by the web task id, taken on a
/// connection of a pool of its own and held while the work (the DTP call among it) runs. The
/// connection sits idle meanwhile, in no transaction; the work's reads and writes go through
/// the main pool, so that locks held never starve the work they wait for. A replica that dies
/// holding a lock loses its connection, and PostgreSQL releases the lock with it.
public struct PostgresTaskLocks: TaskLocks {
    let store: PostgresStore

    /// A pool of `maxHeld` connections, one for each lock held at once.
    public init(settings: PostgresSettings, maxHeld: Int = 32, logger: Logger) {
        store = PostgresStore(settings: settings, maxConnections: maxHeld, logger: logger)
    }

    public func withLock<T: Sendable>(webTaskId: Int64, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await store.holding { connection in
            // The one-bigint form: its keys never meet the two-integer keys of PostgresLocks.
            try await connection.query("SELECT pg_advisory_lock(\(webTaskId))", logger: connection.logger)
            do {
                let result = try await body()
                try await connection.query("SELECT pg_advisory_unlock(\(webTaskId))", logger: connection.logger)
                return result
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(webTaskId))", logger: connection.logger)
                throw error
            }
        }
    }

    public func close() async {
        await store.close()
    }
}
