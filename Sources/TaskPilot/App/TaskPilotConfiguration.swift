import Foundation

/// Everything an operator can set. See `ConfigurationLoader` for where values come from.
public struct TaskPilotConfiguration: Sendable, Equatable {
    public var host = "127.0.0.1"
    /// 0 asks the system for a free port (tests use it).
    public var port = 8081
    public var databasePath = "data/taskpilot.sqlite"
    /// The DTP's base URL, without a trailing slash.
    public var schedulerURL = "http://127.0.0.1:8080"
    public var schedulerTimeoutMilliseconds = 5000
    /// DTP calls allowed in flight at once; past it, 503 with `Retry-After`.
    public var schedulerMaxInFlight = 256
    public var corsOrigins: [String] = []
    public var apiTokens: [String] = []
    public var apiTokenFile: String?
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
        guard (0...65535).contains(port) else {
            throw ConfigurationError(key: "http.port", reason: "must be an integer from 0 to 65535, not \(port)")
        }
        guard !databasePath.isEmpty else {
            throw ConfigurationError(key: "db.path", reason: "must not be empty")
        }
        checked.schedulerURL = try Self.schedulerBaseURL(schedulerURL)
        guard (1...600_000).contains(schedulerTimeoutMilliseconds) else {
            throw ConfigurationError(key: "scheduler.timeoutMs", reason: "must be an integer from 1 to 600000, not \(schedulerTimeoutMilliseconds)")
        }
        guard (1...100_000).contains(schedulerMaxInFlight) else {
            throw ConfigurationError(key: "scheduler.maxInFlight", reason: "must be an integer from 1 to 100000, not \(schedulerMaxInFlight)")
        }
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
