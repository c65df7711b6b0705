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

    @Option(help: "DTP calls allowed in flight at once, and connections kept to the DTP (scheduler.maxInFlight).")
    var schedulerMaxInFlight: String?

    @Option(help: "DTP calls that may wait for a place in flight; past it, 503 (scheduler.maxQueued).")
    var schedulerMaxQueued: String?

    @Option(help: "Longest wait for a place in flight, in milliseconds; past it, 503 (scheduler.queueTimeoutMs).")
    var schedulerQueueTimeoutMs: String?

    @Option(help: "Hours an Idempotency-Key of POST /api/tasks is remembered (idempotency.ttlHours).")
    var idempotencyTtlHours: String?

    @Option(help: "Largest DTP answer accepted, in bytes; past it, 502 (scheduler.maxResponseBytes).")
    var schedulerMaxResponseBytes: String?

    @Option(help: "Largest request body, in bytes; past it, 413 (http.maxBodyBytes).")
    var maxBodyBytes: String?

    @Option(help: "Largest request header block, in bytes (http.maxHeaderBytes).")
    var maxHeaderBytes: String?

    @Option(help: "Close a connection that sends nothing for this many milliseconds (http.readTimeoutMs).")
    var readTimeoutMs: String?

    @Option(help: "Largest list page a client may ask for (http.maxPageSize).")
    var maxPageSize: String?

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
            "scheduler.maxQueued": schedulerMaxQueued,
            "scheduler.queueTimeoutMs": schedulerQueueTimeoutMs,
            "idempotency.ttlHours": idempotencyTtlHours,
            "scheduler.maxResponseBytes": schedulerMaxResponseBytes,
            "http.maxBodyBytes": maxBodyBytes,
            "http.maxHeaderBytes": maxHeaderBytes,
            "http.readTimeoutMs": readTimeoutMs,
            "http.maxPageSize": maxPageSize,
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
