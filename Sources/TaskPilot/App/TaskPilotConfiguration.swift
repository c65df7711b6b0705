import Foundation
import Logging

/// Everything an operator can set. See `ConfigurationLoader` for where values come from.
public struct TaskPilotConfiguration: Sendable, Equatable {
    public var host = "127.0.0.1"
    /// 0 asks the system for a free port (tests use it).
    public var port = 8081
    public var databasePath = "data/taskpilot.sqlite"
    /// A `postgres://` URL: PostgreSQL instead of the SQLite file; empty for SQLite.
    public var databaseURL = ""
    /// The PostgreSQL password when the URL has none; or the file that holds it.
    public var databasePassword = ""
    public var databasePasswordFile = ""
    /// How long a PostgreSQL read or write may wait for a connection and its answer before it
    /// is a 503 (storage): while the server is away, requests answer instead of piling up.
    public var databaseTimeoutMilliseconds = 10_000
    /// The DTP's base URL, without a trailing slash.
    public var schedulerURL = "http://127.0.0.1:8080"
    public var schedulerTimeoutMilliseconds = 5000
    /// DTP calls allowed in flight at once, and the number of connections kept to the DTP.
    public var schedulerMaxInFlight = 256
    /// DTP calls that may wait, first come first served, for a place in flight; past it, 503.
    public var schedulerMaxQueued = 4096
    /// The longest a DTP call waits for a place in flight; past it, 503. Never counted
    /// against `schedulerTimeoutMilliseconds`.
    public var schedulerQueueTimeoutMilliseconds = 10_000
    /// A DTP answer larger than this is a 502.
    public var schedulerMaxResponseBytes = 1 << 20
    /// A request body larger than this is a 413.
    public var maxBodyBytes = 1 << 20
    /// Request headers larger than this (all together) answer 400 and close the connection.
    public var maxHeaderBytes = 64 * 1024
    /// A connection that sends nothing for this long is closed (slow or stalled clients).
    public var readTimeoutMilliseconds = 30_000
    /// The largest `limit` the list endpoint accepts.
    public var maxPageSize = 500
    public var corsOrigins: [String] = []
    public var apiTokens: [String] = []
    public var apiTokenFile: String?
    /// How long an `Idempotency-Key` of `POST /api/tasks` is remembered.
    public var idempotencyTTLHours = 24
    /// Whether the watcher polls the DTP for executions that can still change.
    public var watchEnabled = true
    /// A watched execution is polled this long after it last changed, the interval doubling
    /// while nothing changes, up to `watchMaxIntervalMilliseconds`.
    public var watchMinIntervalMilliseconds = 1000
    public var watchMaxIntervalMilliseconds = 30_000
    /// Watcher calls in flight at once, on connections of their own.
    public var watchMaxInFlight = 8
    /// Watcher calls per second, all tasks together.
    public var watchMaxPerSecond = 100
    /// Event streams open at once; past it, 503.
    public var eventsMaxSubscribers = 1000
    /// Events older than this are pruned.
    public var eventsRetentionDays = 7
    /// A stream with nothing to send gets a comment this often, so that proxies keep it open.
    public var eventsHeartbeatMilliseconds = 15_000
    /// Whether `/metrics` exists and metrics are recorded.
    public var metricsEnabled = true
    /// Whether `/metrics` answers without a token when API tokens are configured.
    public var metricsPublic = false
    /// `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`.
    public var logLevel = "info"
    /// `text` (one readable line per entry) or `json` (one object per line).
    public var logFormat = "text"
    /// After SIGTERM, how long TaskPilot stays up answering (not ready, closing each
    /// connection after its answer) before it stops accepting connections.
    public var shutdownDrainMilliseconds = 0
    /// Lets the service listen beyond loopback with no API token (flag only).
    public var allowUnauthenticated = false

    public init() {}
}

/// A setting that cannot be used; `description` is the one line start-up prints.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public let key: String
    public let reason: String

    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "invalid configuration: \(key): \(reason)" }
}

extension TaskPilotConfiguration {
    /// Checks every value; throws for the first that cannot be used, naming its key.
    public func validated() throws -> TaskPilotConfiguration {
        var checked = self
        guard !host.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ConfigurationError(key: "http.host", reason: "must not be empty")
        }
        for setting in IntegerSetting.all where !setting.range.contains(self[keyPath: setting.property]) {
            throw ConfigurationError(
                key: setting.key,
                reason: "must be an integer from \(setting.range.lowerBound) to \(setting.range.upperBound), not \(self[keyPath: setting.property])"
            )
        }
        guard watchMinIntervalMilliseconds <= watchMaxIntervalMilliseconds else {
            throw ConfigurationError(
                key: "watch.maxIntervalMs",
                reason: "must not be below watch.minIntervalMs (\(watchMinIntervalMilliseconds)), not \(watchMaxIntervalMilliseconds)"
            )
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ConfigurationError(
                key: "log.level",
                reason: "must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(logLevel)\""
            )
        }
        guard ["text", "json"].contains(logFormat) else {
            throw ConfigurationError(key: "log.format", reason: "must be text or json, not \"\(logFormat)\"")
        }
        guard !databasePath.isEmpty else {
            throw ConfigurationError(key: "db.path", reason: "must not be empty")
        }
        _ = try postgresSettings()
        checked.schedulerURL = try Self.schedulerBaseURL(schedulerURL)
        for origin in corsOrigins {
            guard let url = URLComponents(string: origin), let scheme = url.scheme, ["http", "https"].contains(scheme),
                  url.host?.isEmpty == false, url.path.isEmpty, url.query == nil, url.fragment == nil
            else {
                throw ConfigurationError(key: "http.corsOrigins", reason: "\"\(origin)\" is not an origin like https://app.example.com")
            }
        }
        if let apiTokenFile {
            checked.apiTokens += try Self.tokens(inFile: apiTokenFile)
        }
        guard checked.apiTokens.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else {
            throw ConfigurationError(key: "auth.tokens", reason: "a token must not be empty or contain spaces")
        }
        return checked
    }

    /// Refuses an API open to the network with no token, unless explicitly allowed.
    public func requireTokensWhenExposed() throws {
        guard Self.isLoopback(host) || !apiTokens.isEmpty || allowUnauthenticated else {
            throw ConfigurationError(
                key: "auth.tokens",
                reason: "refusing to listen on \(host) with no API token; set TASKPILOT_API_TOKENS or --api-token-file, or pass --allow-unauthenticated"
            )
        }
    }

    /// One token a line; blank lines and lines starting with # are skipped.
    /// The PostgreSQL database `db.url` names, with its password; nil for the SQLite file.
    public func postgresSettings() throws(ConfigurationError) -> PostgresSettings? {
        guard !databaseURL.isEmpty else { return nil }
        var password: String? = databasePassword.isEmpty ? nil : databasePassword
        if password == nil, !databasePasswordFile.isEmpty {
            guard let text = try? String(contentsOfFile: databasePasswordFile, encoding: .utf8) else {
                throw ConfigurationError(key: "db.passwordFile", reason: "cannot read \(databasePasswordFile)")
            }
            password = text.trimmingCharacters(in: .newlines)
        }
        return try PostgresSettings(url: databaseURL, password: password)
    }

    static func tokens(inFile path: String) throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError(key: "auth.tokenFile", reason: "cannot read \(path)")
        }
        return text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// An absolute http(s) URL with a host and nothing after the path, trailing slash removed.
    static func schedulerBaseURL(_ text: String) throws -> String {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty,
              components.query == nil, components.fragment == nil, components.user == nil
        else {
            throw ConfigurationError(key: "scheduler.url", reason: "must be an absolute http:// or https:// URL with a host and no query, not \"\(text)\"")
        }
        var base = text
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }
}

/// The integer settings: key, environment variable, allowed range and where each goes.
struct IntegerSetting {
    let key: String
    let environment: String
    let range: ClosedRange<Int>
    let property: WritableKeyPath<TaskPilotConfiguration, Int>

    static var all: [IntegerSetting] {
        [
            .init(key: "http.port", environment: "TASKPILOT_PORT", range: 0...65535, property: \.port),
            .init(key: "http.maxBodyBytes", environment: "TASKPILOT_MAX_BODY_BYTES", range: 1024...(64 << 20), property: \.maxBodyBytes),
            .init(key: "http.maxHeaderBytes", environment: "TASKPILOT_MAX_HEADER_BYTES", range: 1024...(1 << 20), property: \.maxHeaderBytes),
            .init(key: "http.readTimeoutMs", environment: "TASKPILOT_READ_TIMEOUT_MS", range: 100...3_600_000, property: \.readTimeoutMilliseconds),
            .init(key: "http.maxPageSize", environment: "TASKPILOT_MAX_PAGE_SIZE", range: 1...10_000, property: \.maxPageSize),
            .init(key: "scheduler.timeoutMs", environment: "TASKPILOT_SCHEDULER_TIMEOUT_MS", range: 1...600_000, property: \.schedulerTimeoutMilliseconds),
            .init(key: "db.timeoutMs", environment: "TASKPILOT_DB_TIMEOUT_MS", range: 1...600_000, property: \.databaseTimeoutMilliseconds),
            .init(key: "scheduler.maxInFlight", environment: "TASKPILOT_SCHEDULER_MAX_IN_FLIGHT", range: 1...100_000, property: \.schedulerMaxInFlight),
            .init(key: "scheduler.maxQueued", environment: "TASKPILOT_SCHEDULER_MAX_QUEUED", range: 0...1_000_000, property: \.schedulerMaxQueued),
            .init(
                key: "scheduler.queueTimeoutMs", environment: "TASKPILOT_SCHEDULER_QUEUE_TIMEOUT_MS",
                range: 1...600_000, property: \.schedulerQueueTimeoutMilliseconds
            ),
            .init(key: "idempotency.ttlHours", environment: "TASKPILOT_IDEMPOTENCY_TTL_HOURS", range: 1...8760, property: \.idempotencyTTLHours),
            .init(key: "watch.minIntervalMs", environment: "TASKPILOT_WATCH_MIN_INTERVAL_MS", range: 10...3_600_000, property: \.watchMinIntervalMilliseconds),
            .init(key: "watch.maxIntervalMs", environment: "TASKPILOT_WATCH_MAX_INTERVAL_MS", range: 10...86_400_000, property: \.watchMaxIntervalMilliseconds),
            .init(key: "watch.maxInFlight", environment: "TASKPILOT_WATCH_MAX_IN_FLIGHT", range: 1...1000, property: \.watchMaxInFlight),
            .init(key: "watch.maxPerSecond", environment: "TASKPILOT_WATCH_MAX_PER_SECOND", range: 1...100_000, property: \.watchMaxPerSecond),
            .init(key: "events.maxSubscribers", environment: "TASKPILOT_EVENTS_MAX_SUBSCRIBERS", range: 0...100_000, property: \.eventsMaxSubscribers),
            .init(key: "events.retentionDays", environment: "TASKPILOT_EVENTS_RETENTION_DAYS", range: 1...3650, property: \.eventsRetentionDays),
            .init(key: "events.heartbeatMs", environment: "TASKPILOT_EVENTS_HEARTBEAT_MS", range: 100...300_000, property: \.eventsHeartbeatMilliseconds),
            .init(key: "shutdown.drainMs", environment: "TASKPILOT_SHUTDOWN_DRAIN_MS", range: 0...600_000, property: \.shutdownDrainMilliseconds),
            .init(
                key: "scheduler.maxResponseBytes", environment: "TASKPILOT_SCHEDULER_MAX_RESPONSE_BYTES",
                range: 1024...(64 << 20), property: \.schedulerMaxResponseBytes
            ),
        ]
    }
}
