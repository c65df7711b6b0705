import Logging
import NIOConcurrencyHelpers
import NIOSSL
import NIOCore
import PostgresNIO
import _ConnectionPoolModule

/// TaskPilot's PostgreSQL database: postgres-nio's pool of connections, and the two ways the
/// repositories use it, a read on any connection and a write in one transaction.
///
/// A failure to reach the server becomes `StorageUnavailableError` (a 503), and so does a wait
/// for a connection longer than `timeout`: while the server is away, requests answer at once
/// instead of queueing behind a pool that cannot connect. The pool reconnects by itself when
/// the server is back.
public final class PostgresStore: Sendable {
    let settings: PostgresSettings
    private let client: PostgresClient
    private let logger: Logger
    private let runner: Task<Void, Never>
    private let timeout: Duration
    private let closed = NIOLockedValueBox(false)

    public init(settings: PostgresSettings, maxConnections: Int = 20, timeout: Duration = .seconds(10), logger: Logger) {
        self.settings = settings
        self.logger = logger
        self.timeout = timeout
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: Self.tls(settings.tls)
        )
        configuration.options.maximumConnections = maxConnections
        configuration.options.connectTimeout = timeout
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        // The pool works only while run() runs; it must run before the first query (the
        // migrations), so it belongs to the store, not to the application's services.
        runner = Task { [client] in await client.run() }
    }

    /// As libpq's `prefer` and `require`: encrypted, the server's certificate not checked.
    private static var unverified: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return configuration
    }

    private static func tls(_ mode: PostgresSettings.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(unverified)
        case .require: .require(unverified)
        }
    }

    /// Closes every connection; queries after this fail.
    public func close() async {
        closed.withLockedValue { $0 = true }
        runner.cancel()
        await runner.value
    }

    var isClosed: Bool { closed.withLockedValue { $0 } }

    /// Runs `body` on one connection, outside any transaction.
    func read<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        try await storage { started in
            try await self.client.withConnection { connection in
                try started()
                return try await body(connection)
            }
        }
    }

    /// Runs `body` on one connection for as long as it takes: it holds a session lock while
    /// other work runs, which bounds its own waits. With the server away, the pool refuses
    /// at once after its first failed connections (its circuit breaker).
    func holding<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        try await storage(bounded: false) { _ in try await self.client.withConnection { connection in try await body(connection) } }
    }

    /// Runs `body` in one transaction: it commits when `body` returns and rolls back when it
    /// throws. `bounded: false` waits for a connection as long as it takes (migrations), failing
    /// only when the server cannot be reached.
    func write<Result: Sendable>(bounded: Bool = true, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        try await storage(bounded: bounded) { started in
            try await self.client.withTransaction(logger: self.logger) { connection in
                try started()
                return try await body(connection)
            }
        }
    }

    /// Where a bounded operation is: waiting for its connection, working on it, or given up on.
    private enum Lease: Sendable {
        case waiting, working, abandoned
    }

    /// Runs `operation`, failing with `StorageUnavailableError` when the server cannot be
    /// reached or no connection comes within `timeout`. Only the wait is bounded: work that has
    /// its connection runs to its end, so a write that may commit is never answered as failed.
    /// `operation` calls `started` when it has its connection; it throws if the wait was given up.
    private func storage<Result: Sendable>(
        bounded: Bool = true, _ operation: @escaping @Sendable (_ started: @escaping @Sendable () throws -> Void) async throws -> Result
    ) async throws -> Result {
        do {
            guard bounded else { return try await operation {} }
            let lease = NIOLockedValueBox(Lease.waiting)
            return try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask {
                    try await operation {
                        let working = lease.withLockedValue { state in
                            if state == .waiting { state = .working }
                            return state == .working
                        }
                        if !working { throw CancellationError() }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: self.timeout)
                    let abandoned = lease.withLockedValue { state in
                        if state == .waiting { state = .abandoned }
                        return state == .abandoned
                    }
                    guard abandoned else { return nil }
                    throw StorageUnavailableError(message: "PostgreSQL at \(self.settings.redacted) gave no connection within \(self.timeout)")
                }
                while let next = try await group.next() {
                    if let result = next {
                        group.cancelAll()
                        return result
                    }
                }
                throw CancellationError()
            }
        } catch let error as PSQLError {
            throw Self.unavailable(error, settings: settings) ?? error
        } catch let error as PostgresTransactionError {
            // BEGIN, the work or COMMIT failed; the first PSQLError among them says why.
            let causes = [error.beginError, error.closureError, error.commitError].compactMap { $0 }
            if let unavailable = causes.lazy.compactMap({ $0 as? PSQLError }).compactMap({ Self.unavailable($0, settings: self.settings) }).first {
                throw unavailable
            }
            throw error.closureError ?? error
        } catch let error as ConnectionPoolError {
            // The pool gave up connecting (its circuit breaker), or is shut down.
            throw StorageUnavailableError(message: "PostgreSQL at \(settings.redacted) is unavailable: \(error)")
        }
    }

    /// The connection-level failures: the server is unreachable, refused us or went away.
    static func unavailable(_ error: PSQLError, settings: PostgresSettings) -> StorageUnavailableError? {
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
             .sslUnsupported, .failedToAddSSLHandler, .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            let cause = error.underlying.map { "\($0)" } ?? "\(error.code)"
            return StorageUnavailableError(message: "PostgreSQL at \(settings.redacted) is unavailable: \(cause)")
        case .queryCancelled:
            return StorageUnavailableError(message: "PostgreSQL at \(settings.redacted) cancelled the query")
        case .server:
            // 57P01..57P03: the server is shutting down or starting; 53xxx: out of resources;
            // 08xxx: connection exceptions; 40001 and 40P01: a serialization failure or a
            // deadlock victim; 57014: a statement timeout; 55P03: a lock timeout; 25006: a
            // read-only server (a standby after a failover). Each is worth a retry, not a 500.
            let state = error.serverInfo?[.sqlState] ?? ""
            let transient = ["40001", "40P01", "57014", "55P03", "25006"]
            guard state.hasPrefix("57P") || state.hasPrefix("53") || state.hasPrefix("08") || transient.contains(state) else { return nil }
            let message = error.serverInfo?[.message] ?? state
            return StorageUnavailableError(message: "PostgreSQL at \(settings.redacted) is unavailable: \(message)")
        default:
            return nil
        }
    }
}
