import Logging
import ServiceLifecycle

/// The first step of a graceful shutdown. Run it after the application in the same
/// `ServiceGroup`, which shuts services down last first. On SIGTERM it turns readiness to 503
/// and makes every answer close its connection for `drainMilliseconds`, so that load balancers
/// notice and keep-alive clients move off; lets connections settle for a moment (with no drain,
/// it skips both and goes straight on); and then lets
/// the group stop the HTTP server, which closes the listener, answers each open connection's
/// next request (closing it after) and finishes the requests in flight.
public struct ShutdownDrain: Service {
    let lifecycle: ServerLifecycle
    let drainMilliseconds: Int
    let logger: Logger
    /// Long enough for a client told to reconnect to have done so and been answered.
    static let settle = Duration.milliseconds(150)

    public init(lifecycle: ServerLifecycle, drainMilliseconds: Int, logger: Logger) {
        self.lifecycle = lifecycle
        self.drainMilliseconds = drainMilliseconds
        self.logger = logger
    }

    public func run() async throws {
        // Cancelled rather than shut down: nothing to drain for.
        // Nor when the server never listened (it failed to start): nothing to drain either.
        guard (try? await gracefulShutdown()) != nil, lifecycle.boundPort != nil else { return }
        if drainMilliseconds > 0 {
            lifecycle.enter(.draining)
            logger.info("shutdown begun: not ready, closing connections after each answer", metadata: ["drain_ms": "\(drainMilliseconds)"])
            try? await Task.sleep(for: .milliseconds(drainMilliseconds))
            lifecycle.enter(.settling)
            try? await Task.sleep(for: Self.settle)
        } else {
            // Nobody to tell: close the listener first, then each connection after its next answer.
            logger.info("shutdown begun: not ready", metadata: ["drain_ms": "0"])
        }
        lifecycle.enter(.closing)
        logger.info("draining over: no new connections; finishing requests in flight")
    }
}
