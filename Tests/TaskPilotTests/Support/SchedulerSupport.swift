import Foundation
import Hummingbird
import HummingbirdTesting
import ReferenceScheduler
import Testing

/// The reference scheduler with every delay cut short, so lifecycles finish within a test.
/// Its tasks go to `database`, by default a new file; a restart test passes one file twice,
/// and stretches a delay to stop the scheduler while a task waits in it.
func fastReferenceScheduler(
    database: String = TemporaryFolder().path("dev-scheduler.sqlite"),
    pendingDelay: Duration = .milliseconds(20),
    processingTime: Duration = .milliseconds(30)
) async throws -> some ApplicationProtocol {
    var timing = SchedulerTiming()
    timing.tick = .milliseconds(10)
    timing.pendingDelay = pendingDelay
    timing.processingTime = processingTime
    timing.retryBackoff = .milliseconds(20)
    return try await ReferenceScheduler.buildApplication(
        host: "127.0.0.1", port: 0, databasePath: database, timing: timing, logger: quietLogger
    )
}

/// Runs a scheduler on loopback for the length of `body`, which gets its base URL and a client.
func withScheduler<Value: Sendable>(
    _ application: some ApplicationProtocol,
    _ body: @Sendable (_ url: String, _ scheduler: any TestClientProtocol) async throws -> Value
) async throws -> Value {
    try await application.test(.live) { client in
        try await body("http://127.0.0.1:\(try #require(client.port))", client)
    }
}

/// A loopback URL on which nothing listens: connections to it are refused.
func refusingSchedulerURL() async throws -> String {
    let port = try await Application(router: Router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: quietLogger)
        .test(.live) { client in try #require(client.port) }
    return "http://127.0.0.1:\(port)"
}

/// Polls `probe` until it answers true or `timeout` passes.
func eventually(timeout: Duration = .seconds(5), _ probe: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await probe() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return false
}
