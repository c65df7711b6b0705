import ArgumentParser
import Foundation
import TaskPilot

/// The flags that override configuration; each maps to one key of `taskpilot-api.md`'s table.
/// API tokens have no flag: secrets stay off the command line.
struct ConfigurationOptions: ParsableArguments {
    @Option(help: "JSON configuration file (see config/).")
    var config: String?

    @Option(help: "Address to listen on (http.host).")
    var host: String?

    @Option(help: "Port to listen on (http.port).")
    var port: String?

    @Option(help: "SQLite database file (db.path).")
    var db: String?

    @Option(help: "Base URL of the DTP (scheduler.url).")
    var schedulerURL: String?

    @Option(help: "DTP connect and answer timeout in milliseconds (scheduler.timeoutMs).")
    var schedulerTimeoutMs: String?

    @Option(help: "DTP calls allowed in flight at once; past it, 503 (scheduler.maxInFlight).")
    var schedulerMaxInFlight: String?

    @Option(help: "Comma-separated origins allowed by CORS (http.corsOrigins).")
    var corsOrigins: String?

    @Option(help: "File with one API token a line (auth.tokenFile).")
    var apiTokenFile: String?

    /// Loads the configuration, or prints the one line that says which key is wrong and exits 1.
    func load() async throws -> TaskPilotConfiguration {
        let flags: [String: String?] = [
            "http.host": host,
            "http.port": port,
            "db.path": db,
            "scheduler.url": schedulerURL,
            "scheduler.timeoutMs": schedulerTimeoutMs,
            "scheduler.maxInFlight": schedulerMaxInFlight,
            "http.corsOrigins": corsOrigins,
            "auth.tokenFile": apiTokenFile,
        ]
        do {
            return try await ConfigurationLoader.load(
                flags: flags.compactMapValues { $0 },
                environment: ProcessInfo.processInfo.environment,
                configFile: config
            )
        } catch let error as ConfigurationError {
            exitWithLine("taskpilot: \(error)")
        }
    }
}

/// Prints `line` to standard error and exits 1: start-up failures are one line for operators.
func exitWithLine(_ line: String) -> Never {
    FileHandle.standardError.write(Data((line + "\n").utf8))
    exit(1)
}
