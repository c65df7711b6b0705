import Logging
import ServiceLifecycle

/// The first step of a graceful shutdown. Run it after the application in the same
/// `ServiceGroup`, which shuts services down last first: on SIGTERM it turns readiness to 503
/// and makes every answer close its connection, waits `drain` for load balancers to notice,
/// and only then lets the group stop the HTTP server, which finishes the requests in flight.
public struct ShutdownDrain: Service {
    let lifecycle: ServerLifecycle
    let drainMilliseconds: Int
    let logger: Logger

    public init(lifecycle: ServerLifecycle, drainMilliseconds: Int, logger: Logger) {
        self.lifecycle = lifecycle
        self.drainMilliseconds = drainMilliseconds
        self.logger = logger
    }

    public func run() async throws {
        // Cancelled rather than shut down: nothing to drain for.
        guard (try? await gracefulShutdown()) != nil else { return }
        lifecycle.beginDraining()
        logger.info("shutdown begun: not ready, closing connections after each answer", metadata: ["drain_ms": "\(drainMilliseconds)"])
        try? await Task.sleep(for: .milliseconds(drainMilliseconds))
        logger.info("draining over: no new connections; finishing requests in flight")
    }
}
