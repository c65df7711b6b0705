import Logging
import ServiceLifecycle

/// The first step of a graceful shutdown. Run it after the application in the same
/// `ServiceGroup`, which shuts services down last first. On SIGTERM it turns readiness to 503
/// and makes every answer close its connection for `drainMilliseconds`, so that load balancers
/// notice and keep-alive clients move off; lets connections settle until the clients it moved
/// off have reconnected (with no drain, it skips both and goes straight on); and then lets
/// the group stop the HTTP server, which closes the listener, answers each open connection's
/// next request (closing it after) and finishes the requests in flight.
public struct ShutdownDrain: Service {
    let lifecycle: ServerLifecycle
    let drainMilliseconds: Int
    let logger: Logger
    /// Long enough, after the last connection the drain closed, for its client to have
    /// reconnected and been answered.
    static let settle = Duration.milliseconds(150)
    /// The longest the settling waits for that quiet, on a machine too busy to give it.
    static let settleLimit = Duration.seconds(1)

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
            await settle()
        } else {
            // Nobody to tell: close the listener first, then each connection after its next answer.
            logger.info("shutdown begun: not ready", metadata: ["drain_ms": "0"])
        }
        lifecycle.enter(.closing)
        logger.info("draining over: no new connections; finishing requests in flight")
    }

    /// Waits until every connection the drain marked has closed and `settle` has passed since
    /// the last did: a request read near the drain's end is answered (and its connection
    /// closed) later, and a client on a loaded machine reconnects late.
    private func settle() async {
        let limit = ContinuousClock.now + Self.settleLimit
        while ContinuousClock.now < limit {
            let quiet = lifecycle.quietSinceDrainClose ?? Self.settle
            guard quiet < Self.settle, (try? await Task.sleep(for: Self.settle - quiet)) != nil else { return }
        }
    }
}
