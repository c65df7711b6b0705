import Synchronization

/// Where the server is in its life, shared by the parts that change how it answers: the
/// readiness route, the connections (which close after each answer while draining) and the
/// start-up line.
public final class ServerLifecycle: Sendable {
    private let draining = Atomic<Bool>(false)
    private let port = Atomic<Int>(-1)

    public init() {}

    /// True from the shutdown signal on: readiness answers 503 and every answer carries
    /// `Connection: close`, so that load balancers and keep-alive clients move off.
    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    public func beginDraining() {
        draining.store(true, ordering: .relaxed)
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
