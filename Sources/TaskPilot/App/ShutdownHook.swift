import ServiceLifecycle

/// A service that does nothing until graceful shutdown, then runs `action`. The application
/// shuts its services down after the HTTP server, so requests in flight finish first.
struct ShutdownHook: Service {
    let action: @Sendable () async throws -> Void

    func run() async throws {
        try? await gracefulShutdown()
        try await action()
    }
}
