import Logging
import PostgresNIO

/// `TaskLocks` across replicas: a session advisory lock keyed by the web task id, taken on a
/// connection of a pool of its own and held while the work (the DTP call among it) runs. The
/// connection sits idle meanwhile, in no transaction; the work's reads and writes go through
/// the main pool, so that locks held never starve the work they wait for. A replica that dies
/// holding a lock loses its connection, and PostgreSQL releases the lock with it.
public struct PostgresTaskLocks: TaskLocks {
    let store: PostgresStore
    /// The longest a bind or cancel waits for another's lock (PostgreSQL's `lock_timeout`):
    /// past it, a 503. A replica whose host vanished holds its locks until the server notices.
    let wait: Duration

    /// A pool of `maxHeld` connections, one for each lock held at once.
    public init(settings: PostgresSettings, maxHeld: Int = 32, wait: Duration, logger: Logger) {
        store = PostgresStore(settings: settings, maxConnections: maxHeld, logger: logger)
        self.wait = wait
    }

    public func withLock<T: Sendable>(webTaskId: Int64, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let milliseconds = "\(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000)ms"
        return try await store.holding { connection in
            try await connection.run("SELECT set_config('lock_timeout', \(milliseconds), false)")
            // The one-bigint form: its keys never meet the two-integer keys of PostgresLocks.
            try await connection.run("SELECT pg_advisory_lock(\(webTaskId))")
            do {
                let result = try await body()
                try await connection.run("SELECT pg_advisory_unlock(\(webTaskId))")
                return result
            } catch {
                _ = try? await connection.run("SELECT pg_advisory_unlock(\(webTaskId))")
                throw error
            }
        }
    }

    public func close() async {
        await store.close()
    }
}
