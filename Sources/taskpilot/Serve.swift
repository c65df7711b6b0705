import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ReferenceScheduler
import ServiceLifecycle
import TaskPilot

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the TaskPilot HTTP service.")

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var service: ServiceOptions

    @Flag(help: "Also run the reference scheduler in this process, on the scheduler URL's port.")
    var devScheduler = false

    @Option(name: .customLong("dev-scheduler-db"), help: "With --dev-scheduler: the SQLite file that keeps its tasks across restarts.")
    var devSchedulerDatabase = "data/dev-scheduler.sqlite"

    @Flag(help: "Allow listening beyond loopback with no API token configured.")
    var allowUnauthenticated = false

    func run() async throws {
        var configuration = try await database.load(adding: service.flags)
        configuration.allowUnauthenticated = allowUnauthenticated
        Self.bootstrapLogging(configuration)
        let logger = Logger(label: "taskpilot")
        let lifecycle = ServerLifecycle()
        let application: any Service
        do {
            application = try await buildApplication(configuration, logger: logger, lifecycle: lifecycle)
        } catch let error as MigrationError {
            exitWithLine("taskpilot: \(error)")
        } catch let error as StartupError {
            exitWithLine("taskpilot: \(error)")
        } catch let error as ConfigurationError {
            exitWithLine("taskpilot: \(error)")
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if devScheduler {
            guard let url = URLComponents(string: configuration.schedulerURL), let host = url.host else {
                exitWithLine("taskpilot: invalid configuration: scheduler.url: cannot run --dev-scheduler on \(configuration.schedulerURL)")
            }
            let scheduler: any Service
            do {
                scheduler = try await ReferenceScheduler.buildApplication(
                    host: host, port: url.port ?? 80, databasePath: devSchedulerDatabase, logger: Logger(label: "dev-scheduler")
                )
            } catch let error as SchedulerDatabaseError {
                exitWithLine("taskpilot: \(error)")
            }
            services.append(.init(
                service: ListeningService(server: scheduler, host: host, port: url.port ?? 80),
                failureTerminationBehavior: .gracefullyShutdownGroup
            ))
            logger.info("reference scheduler starting", metadata: ["url": "\(configuration.schedulerURL)", "db": "\(devSchedulerDatabase)"])
        }
        // A server that cannot listen shuts the other down gracefully: cancelling it would log errors.
        services.append(.init(
            service: ListeningService(server: application, host: configuration.host, port: configuration.port),
            failureTerminationBehavior: .gracefullyShutdownGroup
        ))
        // Last, so that the group shuts it down first: the server keeps answering while it drains.
        services.append(.init(service: ShutdownDrain(
            lifecycle: lifecycle, drainMilliseconds: configuration.shutdownDrainMilliseconds, logger: logger
        )))
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        defer { LogOutput.standardError.flush() }
        do {
            try await group.run()
        } catch let failure as ListenFailure {
            exitWithLine("taskpilot: \(failure)")
        }
    }

    /// `log.level` and `log.format` for every logger in the process, the libraries' included.
    static func bootstrapLogging(_ configuration: TaskPilotConfiguration) {
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        let format: TaskPilotLogHandler.Format = configuration.logFormat == "json" ? .json : .text
        LoggingSystem.bootstrap { label in
            TaskPilotLogHandler(label: label, level: level, format: format)
        }
    }
}
