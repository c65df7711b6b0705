import Logging
import PostgresNIO
import ServiceLifecycle

/// Runs the watcher on one replica at a time: the one whose connection holds the watcher's
/// advisory lock. The others try again every `retry`; when the leader dies its connection
/// closes, PostgreSQL releases the lock, and the next try of another replica takes it. The
/// leader checks its connection every second (a lost connection is a lost lock: it stops
/// watching) and reads what to watch again every `rescan`, which is how it learns of
/// executions bound through other replicas.
final class PostgresWatchLeadership: Service, Sendable {
    /// The two-integer key of the watcher's lock (the bigint keys are web task ids).
    static let lockKey: (Int32, Int32) = (0x7470, 1)

    private let store: PostgresStore
    private let watcher: ExecutionWatcher
    private let logger: Logger
    private let retry: Duration
    private let rescan: Duration

    init(settings: PostgresSettings, watcher: ExecutionWatcher, retry: Duration = .seconds(2), rescan: Duration = .seconds(5), logger: Logger) {
        store = PostgresStore(settings: settings, maxConnections: 1, logger: logger)
        self.watcher = watcher
        self.logger = logger
        self.retry = retry
        self.rescan = rescan
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.store.holding { connection in try await self.lead(on: connection) }
                } catch {
                    if !Task.isCancelled {
                        self.logger.warning("watcher leadership lost or not reachable; retrying", metadata: ["error": "\(error)"])
                    }
                }
                try? await Task.sleep(for: self.retry)
            }
        }
        await store.close()
    }

    /// Watches for as long as this connection holds the lock; returns at once when another does.
    private func lead(on connection: PostgresConnection) async throws {
        let (classKey, objectKey) = Self.lockKey
        let won = try await connection.rows("SELECT pg_try_advisory_lock(\(classKey), \(objectKey))") { try $0.decode(Bool.self) }.first ?? false
        guard won else { return }
        logger.info("leading the watcher")
        defer { logger.info("no longer leading the watcher") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.watcher.run() }
            group.addTask {
                var lastScan = ContinuousClock.now
                while true {
                    try await Task.sleep(for: .seconds(1))
                    // Throws when the connection, and with it the lock, is gone.
                    try await connection.run("SELECT 1")
                    if ContinuousClock.now - lastScan >= self.rescan {
                        lastScan = .now
                        await self.watcher.rescan()
                    }
                }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
        _ = try? await connection.run("SELECT pg_advisory_unlock(\(classKey), \(objectKey))")
    }
}
