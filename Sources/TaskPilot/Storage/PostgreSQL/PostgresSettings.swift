import Foundation

/// Where TaskPilot's PostgreSQL database is: `db.url`, a
/// `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]` URL, with
/// the password from the URL, `db.password` or `db.passwordFile`, in that order.
public struct PostgresSettings: Sendable, Equatable {
    public enum TLSMode: String, Sendable, Equatable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    /// The URL without its password: what a log line or an error may show.
    public var redacted: String {
        "postgres://\(username)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    /// Reads `url`; the error names what is wrong, never the password.
    public init(url: String, password fallback: String?) throws(ConfigurationError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
              ["postgres", "postgresql"].contains(scheme)
        else {
            throw ConfigurationError(key: "db.url", reason: "must be a postgres://user@host[:port]/database URL")
        }
        guard let user = components.user, !user.isEmpty else {
            throw ConfigurationError(key: "db.url", reason: "must name a user (postgres://user@host/database)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw ConfigurationError(key: "db.url", reason: "must name a host (postgres://user@host/database)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw ConfigurationError(key: "db.url", reason: "must name one database (postgres://user@host/database)")
        }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else {
                throw ConfigurationError(key: "db.url", reason: "knows only the parameter sslmode, not \"\(item.name)\"")
            }
            guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                throw ConfigurationError(key: "db.url", reason: "sslmode must be disable, prefer or require")
            }
            tls = mode
        }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 } ?? fallback
        self.database = database.removingPercentEncoding ?? database
        self.tls = tls
    }
}
