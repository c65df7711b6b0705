import Foundation
import Logging
import PostgresNIO
import SQLiteDB
import TaskPilot
import Testing

/// The second configuration of the suite: with `TASKPILOT_TEST_DB_URL` naming a PostgreSQL
/// server (`postgres://user@host:port/postgres`, a database the user may create databases from),
/// every test that asks for a database file gets a PostgreSQL database of its own instead, named
/// for the file, so that a test that restarts TaskPilot on "the same file" finds its data again.
enum TestDatabase {
    static let serverURL = ProcessInfo.processInfo.environment["TASKPILOT_TEST_DB_URL"].flatMap { $0.isEmpty ? nil : $0 }

    /// Whether this run is the PostgreSQL configuration.
    static var isPostgres: Bool { serverURL != nil }

    /// The URL of the database standing for `file`, or nil on SQLite.
    static func url(for file: String) -> String? {
        guard let serverURL, var components = URLComponents(string: serverURL) else { return nil }
        components.path = "/" + name(for: file)
        return components.string
    }

    /// `tp_` and the FNV-1a hash of the file's path: unique per test, the same across a restart.
    static func name(for file: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in file.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return "tp_" + String(hash, radix: 16)
    }

    /// Creates the configuration's PostgreSQL database unless it exists already.
    static func create(for configuration: TaskPilotConfiguration) async throws {
        guard let serverURL, !configuration.databaseURL.isEmpty, let components = URLComponents(string: serverURL),
              let target = URLComponents(string: configuration.databaseURL)
        else { return }
        let name = String(target.path.dropFirst())
        try await withClient(components) { client in
            do {
                try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P04" {
                // It exists: a restart of the same test's TaskPilot.
            }
        }
    }

    /// Runs `sql` on the database standing for `file` (the SQLite file, or its PostgreSQL
    /// database), `postgres` instead where the dialects differ, and answers each row's columns as
    /// text: NULL as "-", a boolean as 1 or 0, as sqlite3 prints them.
    static func rows(_ file: String, _ sql: String, postgres: String? = nil) async throws -> [[String]] {
        guard isPostgres, let url = url(for: file) else {
            let connection = try Connection(path: file)
            defer { connection.close() }
            return try connection.query(sql) { row in (0..<row.columnCount).map { row.isNull($0) ? "-" : row.string($0) } }
        }
        return try await postgresRows(url: url, postgres ?? sql)
    }

    /// Runs `sql` on the server's own database (of `TASKPILOT_TEST_DB_URL`), for what a test
    /// does to a test's database from outside it.
    static func server(_ sql: String) async throws -> [[String]] {
        try await postgresRows(url: try #require(serverURL), sql)
    }

    private static func postgresRows(url: String, _ sql: String) async throws -> [[String]] {
        try await withClient(try #require(URLComponents(string: url))) { client in
            var rows: [[String]] = []
            for try await row in try await client.query(PostgresQuery(unsafeSQL: sql)) {
                rows.append(try row.map { cell in
                    guard cell.bytes != nil else { return "-" }
                    switch cell.dataType {
                    case .int2, .int4, .int8: return String(try cell.decode(Int64.self))
                    case .bool: return try cell.decode(Bool.self) ? "1" : "0"
                    default: return try cell.decode(String.self)
                    }
                })
            }
            return rows
        }
    }

    /// Runs `body` with a one-connection client of the database `components` names.
    private static func withClient<T: Sendable>(_ components: URLComponents, _ body: (PostgresClient) async throws -> T) async throws -> T {
        var settings = PostgresClient.Configuration(
            host: components.host ?? "127.0.0.1", port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: String(components.path.dropFirst()), tls: .disable
        )
        settings.options.maximumConnections = 1
        let client = PostgresClient(configuration: settings, backgroundLogger: quietLogger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}
