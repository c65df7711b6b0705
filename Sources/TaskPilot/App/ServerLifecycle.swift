import Synchronization

/// Where the server is in its life, shared by the parts that change how it answers: the
/// readiness route, the connections and the start-up line.
///
/// A shutdown goes through three phases (see `ShutdownDrain`):
/// - draining: not ready; every answer closes its connection, so that load balancers and
///   keep-alive clients move off;
/// - settling: still not ready, but connections stay open again, until the clients the drain
///   closed have reconnected, so that none is halfway through opening a new connection when
///   the listener closes (the kernel resets connections it accepted that the server never took);
/// - closing: the listener closes, and a connection NIO accepted in its last instant is closed
///   before it is set up; each open connection's next answer closes it (see
///   `NonPersistentConnectionCloser`), so that its client reconnects only once nobody listens.
public final class ServerLifecycle: Sendable {
    enum Phase: Int {
        case serving, draining, settling, closing
    }

    private let phase = Atomic<Int>(Phase.serving.rawValue)
    private let port = Atomic<Int>(-1)
    private let listenerClosed = Atomic<Bool>(false)
    private let origin = ContinuousClock.now
    /// Connections the drain marked to close that are still open, and when one last closed,
    /// in nanoseconds after `origin`.
    private let drainMarkedOpen = Atomic<Int>(0)
    private let lastDrainClose = Atomic<Int64>(Int64.min)
    private let connections = Atomic<Int>(0)

    public init() {}

    var current: Phase { Phase(rawValue: phase.load(ordering: .relaxed)) ?? .serving }

    func enter(_ next: Phase) {
        phase.store(next.rawValue, ordering: .relaxed)
    }

    /// True from the shutdown signal on: readiness answers 503.
    public var isShuttingDown: Bool { current != .serving }

    /// Whether each answer closes its connection (and says `Connection: close`).
    var closesConnections: Bool { current == .draining }

    /// True once the listener has closed: a connection NIO accepted just before is closed before
    /// it is set up. (One set up after Hummingbird stopped taking connections from NIO would
    /// never be served, and NIO traps when it is dropped: swift-nio issues 2637 and 2813.) Not
    /// from the start of the closing phase: the listener closes up to a hundred milliseconds
    /// later on a busy machine, and a connection accepted meanwhile is served.
    var refusesConnections: Bool { listenerClosed.load(ordering: .relaxed) }

    /// HTTP connections set up and not yet closed.
    var openConnections: Int { connections.load(ordering: .relaxed) }

    func connectionOpened() {
        connections.add(1, ordering: .relaxed)
    }

    func connectionClosed() {
        connections.subtract(1, ordering: .relaxed)
    }

    /// The drain marked a connection's answer to close it: its client will reconnect.
    func drainMarkedConnection() {
        drainMarkedOpen.add(1, ordering: .relaxed)
    }

    /// A connection the drain marked has closed: its client is about to reconnect.
    func drainClosedConnection() {
        drainMarkedOpen.subtract(1, ordering: .relaxed)
        lastDrainClose.store(elapsedNanoseconds, ordering: .relaxed)
    }

    /// How long since the last connection the drain marked closed: zero while one is still
    /// open, nil if the drain marked none. The listener closes once this is long enough that
    /// no client told to move off is still reconnecting.
    var quietSinceDrainClose: Duration? {
        guard drainMarkedOpen.load(ordering: .relaxed) == 0 else { return .zero }
        let last = lastDrainClose.load(ordering: .relaxed)
        return last == Int64.min ? nil : .nanoseconds(elapsedNanoseconds - last)
    }

    private var elapsedNanoseconds: Int64 {
        let elapsed = (ContinuousClock.now - origin).components
        return elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000
    }

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

    func listenerHasClosed() {
        listenerClosed.store(true, ordering: .relaxed)
    }
}
