import ArgumentParser
import Foundation
import TaskPilot

/// The options every command takes: the configuration file and the database (the SQLite file,
/// or PostgreSQL). They are all `migrate` uses, so its help lists nothing else.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "JSON configuration file (see config/). (default: none)")
    var config: String?

    @Option(help: .setting("SQLite database file", key: "db.path"))
    var db: String?

    @Option(name: .customLong("db-url"), help: .setting("PostgreSQL instead of the SQLite file: postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]; or the password in TASKPILOT_DB_PASSWORD or db.passwordFile", key: "db.url"))
    var dbURL: String?

    /// Loads the configuration from these options and `flags` (more of them, keyed by
    /// configuration key), or prints the one line that says which key is wrong and exits 1.
    func load(adding flags: [String: String] = [:]) async throws -> TaskPilotConfiguration {
        var flags = flags
        flags["db.path"] = db
        flags["db.url"] = dbURL
        do {
            return try await ConfigurationLoader.load(
                flags: flags,
                environment: ProcessInfo.processInfo.environment,
                configFile: config
            )
        } catch let error as ConfigurationError {
            exitWithLine("taskpilot: \(error)")
        }
    }
}
