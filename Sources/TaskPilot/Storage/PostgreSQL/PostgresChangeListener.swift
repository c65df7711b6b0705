import Logging
import PostgresNIO
import ServiceLifecycle

/// Wakes this replica's feed when any replica commits events: LISTEN on a connection of its
/// own, and every NOTIFY (sent by the commit that wrote the events) announces a change. The
/// events table stays the truth; a notification only says "read it". After connecting, and after
/// every reconnect, it announces a change once, for what was committed while it was not listening.
final class PostgresChangeListener: Service, Sendable {
    static let channel = "taskpilot_events"

    private let store: PostgresStore
    private let changes: ChangeSignal
    private let logger: Logger

    init(settings: PostgresSettings, changes: ChangeSignal, logger: Logger) {
        store = PostgresStore(settings: settings, maxConnections: 1, logger: logger)
        self.changes = changes
        self.logger = logger
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.store.holding { [changes = self.changes] connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            changes.changed()
                            for try await _ in notifications {
                                changes.changed()
                            }
                        }
                    }
                } catch {
                    if !Task.isCancelled {
                        self.logger.warning("not listening for other replicas' events; retrying", metadata: ["error": "\(error)"])
                    }
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        await store.close()
    }
}
