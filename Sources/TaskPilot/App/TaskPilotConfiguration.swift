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
    public var corsOrigins: [String] = []
    public var apiTokens: [String] = []
    public var apiTokenFile: String?

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
        return checked
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
