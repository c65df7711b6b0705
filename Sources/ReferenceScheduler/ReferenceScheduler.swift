import Hummingbird
import Logging

/// A DTP-compatible engine for development and tests, exactly as `dtp-contract.md` says:
/// `demo` succeeds after a short delay, `demo-slow` stays PENDING long enough to cancel it,
/// `demo-fail` is retried with backoff and ends DEAD. TaskPilot's own code never uses it.
public enum ReferenceScheduler {
    public static func buildApplication(
        host: String = "127.0.0.1",
        port: Int = 8080,
        timing: SchedulerTiming = SchedulerTiming(),
        logger: Logger = Logger(label: "dev-scheduler")
    ) -> some ApplicationProtocol {
        let store = TaskStore(timing: timing)
        let router = Router()
        router.add(middleware: FrameworkErrorMiddleware())
        SchedulerRoutes(store: store).add(to: router)
        var application = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "dev-scheduler"),
            logger: logger
        )
        application.addServices(Worker(store: store, tick: timing.tick))
        return application
    }
}
