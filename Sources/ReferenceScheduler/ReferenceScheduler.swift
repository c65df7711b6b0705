import Hummingbird
import Logging
import SQLiteDB
import ServiceLifecycle

/// A DTP-compatible engine for development and tests, exactly as `docs/scheduler-contract.md` describes the DTP:
/// `demo` succeeds after a short delay, `demo-slow` stays PENDING long enough to cancel it,
/// `demo-fail` is retried with backoff and ends DEAD. TaskPilot's own code never uses it.
public enum ReferenceScheduler {
    /// `databasePath` is the scheduler's own SQLite file, created when missing. Its tasks, and
    /// so its ids, survive restarts, and the worker takes up the unfinished ones where they
    /// were. The file is closed when the application shuts down gracefully.
    public static func buildApplication(
        host: String = "127.0.0.1",
        port: Int = 8080,
        databasePath: String,
        timing: SchedulerTiming = SchedulerTiming(),
        logger: Logger = Logger(label: "dev-scheduler")
    ) async throws -> some ApplicationProtocol {
        let database: Database
        do {
            database = try Database(path: databasePath)
        } catch {
            // Held by another process, unwritable or damaged: one line for the operator.
            throw SchedulerDatabaseError(description: "reference scheduler: \(error)")
        }
        let store: TaskStore
        do {
            store = try await TaskStore(database: database, timing: timing)
        } catch {
            try? await database.close()
            throw error
        }
        let router = Router()
        router.add(middleware: FrameworkErrorMiddleware())
        SchedulerRoutes(store: store).add(to: router)
        var application = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "dev-scheduler"),
            logger: logger
        )
        // Services stop in reverse order: the server, then the worker, then the file they write to.
        application.addServices(
            ClosureService {
                try? await gracefulShutdown()
                try await database.close()
            },
            Worker(store: store, tick: timing.tick, logger: logger)
        )
        return application
    }
}

/// The reference scheduler's file cannot be used; `description` names it and the cause.
public struct SchedulerDatabaseError: Error, CustomStringConvertible {
    public let description: String
}
