import Synchronization

/// Where the server is in its life, shared by the parts that change how it answers: the
/// readiness route, the connections and the start-up line.
///
/// A shutdown goes through three phases (see `ShutdownDrain`):
/// - draining: not ready; every answer closes its connection, so that load balancers and
///   keep-alive clients move off;
/// - settling: still not ready, but connections stay open again, so that no client is halfway
///   through opening a new one when the listener closes (the kernel resets connections it
///   accepted that the server never took);
/// - closing: the listener closes, and a connection accepted in the last instant is closed
///   before it is set up; each open connection's next answer closes it (see
///   `NonPersistentConnectionCloser`), so that its client reconnects only once nobody listens.
public final class ServerLifecycle: Sendable {
    enum Phase: Int {
        case serving, draining, settling, closing
    }

    private let phase = Atomic<Int>(Phase.serving.rawValue)
    private let port = Atomic<Int>(-1)

    public init() {}

    var current: Phase { Phase(rawValue: phase.load(ordering: .relaxed)) ?? .serving }

    func enter(_ next: Phase) {
        phase.store(next.rawValue, ordering: .relaxed)
    }

    /// True from the shutdown signal on: readiness answers 503.
    public var isShuttingDown: Bool { current != .serving }

    /// Whether each answer closes its connection (and says `Connection: close`).
    var closesConnections: Bool { current == .draining }

    /// True in the last phase: a connection accepted now is closed before it is set up. (One
    /// set up after Hummingbird stopped taking connections from NIO would never be served, and
    /// NIO traps when it is dropped: swift-nio issue 2637.)
    var refusesConnections: Bool { current == .closing }

    /// Starts a shutdown by hand, as SIGTERM with `ShutdownDrain` does.
    public func beginDraining() {
        enter(.draining)
    }

    /// The port the server listens on, once it does.
    public var boundPort: Int? {
        let value = port.load(ordering: .relaxed)
        return value < 0 ? nil : value
    }

    func listening(on port: Int) {
        self.port.store(port, ordering: .relaxed)
    }
}
