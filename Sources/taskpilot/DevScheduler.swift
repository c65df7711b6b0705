import ArgumentParser
import Hummingbird
import ReferenceScheduler

struct DevScheduler: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-scheduler",
        abstract: "Run the reference scheduler alone: a DTP-compatible engine for development."
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(name: .customLong("db"), help: "SQLite file that keeps the scheduler's tasks across restarts.")
    var databasePath = "data/dev-scheduler.sqlite"

    func run() async throws {
        try await ReferenceScheduler.buildApplication(host: host, port: port, databasePath: databasePath).runService()
    }
}
