import ArgumentParser
import Hummingbird
import ReferenceScheduler
import TaskPilot

struct DevScheduler: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-scheduler",
        abstract: "Run the reference scheduler alone: a DTP-compatible engine for development."
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(parsing: .unconditional, help: "Port to listen on.")
    var port = 8080

    @Option(name: .customLong("db"), help: "SQLite file that keeps the scheduler's tasks across restarts.")
    var databasePath = "data/dev-scheduler.sqlite"

    func run() async throws {
        // NIO would take a port past 65535 modulo 65536, and listen somewhere else.
        guard (0...65535).contains(port) else {
            exitWithLine("taskpilot: invalid configuration: --port: must be an integer from 0 to 65535, not \(port)")
        }
        do {
            try await ReferenceScheduler.buildApplication(host: host, port: port, databasePath: databasePath).runService()
        } catch let error as SchedulerDatabaseError {
            exitWithLine("taskpilot: \(error)")
        } catch {
            guard let failure = ListenFailure(error, host: host, port: port) else { throw error }
            exitWithLine("taskpilot: \(failure)")
        }
    }
}
