import Logging
import NIOConcurrencyHelpers
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

    private static func tls(_ mode: PostgresSettings.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
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
        try await storage { try await self.client.withConnection { connection in try await body(connection) } }
    }

    /// Runs `body` on one connection for as long as it takes: it holds a session lock while
    /// other work runs, which bounds its own waits. With the server away, the pool refuses
    /// at once after its first failed connections (its circuit breaker).
    func holding<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        try await storage(bounded: false) { try await self.client.withConnection { connection in try await body(connection) } }
    }

    /// Runs `body` in one transaction: it commits when `body` returns and rolls back when it
    /// throws. `bounded: false` waits as long as the work takes (migrations, which may rewrite a
    /// large table), failing only when the server cannot be reached.
    func write<Result: Sendable>(bounded: Bool = true, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        try await storage(bounded: bounded) { try await self.client.withTransaction(logger: self.logger) { connection in try await body(connection) } }
    }

    /// Runs `operation`, failing with `StorageUnavailableError` when the server cannot be
    /// reached or no connection comes within `timeout`.
    private func storage<Result: Sendable>(bounded: Bool = true, _ operation: @escaping @Sendable () async throws -> Result) async throws -> Result {
        do {
            guard bounded else { return try await operation() }
            return try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask { try await operation() }
                group.addTask {
                    try await Task.sleep(for: self.timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else {
                    throw StorageUnavailableError(message: "PostgreSQL at \(settings.redacted) did not answer within \(timeout)")
                }
                return result
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
        case .server:
            // 57P01..57P03: the server is shutting down or starting; 53xxx: out of resources;
            // 08xxx: connection exceptions.
            let state = error.serverInfo?[.sqlState] ?? ""
            guard state.hasPrefix("57P") || state.hasPrefix("53") || state.hasPrefix("08") else { return nil }
            let message = error.serverInfo?[.message] ?? state
            return StorageUnavailableError(message: "PostgreSQL at \(settings.redacted) is unavailable: \(message)")
        default:
            return nil
        }
    }
}
