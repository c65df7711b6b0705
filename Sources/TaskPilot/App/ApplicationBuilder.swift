import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle
import SQLiteDB

/// Builds the TaskPilot service on `configuration`: opens and migrates the database, creates
/// the scheduler gateway and wires the routes. The database and the HTTP client close when
/// the application shuts down. `lifecycle` is shared with `ShutdownDrain`, which a process
/// runs beside the application to drain before the server stops.
public func buildApplication(
    _ configuration: TaskPilotConfiguration,
    logger: Logger = Logger(label: "taskpilot"),
    lifecycle: ServerLifecycle = ServerLifecycle()
) async throws -> some ApplicationProtocol {
    try configuration.requireTokensWhenExposed()
    let metrics = TaskPilotMetrics(enabled: configuration.metricsEnabled)
    let changes = ChangeSignal()
    let storage = try await TaskPilotStorage.open(configuration, changes: changes, metrics: metrics, logger: logger)
    let gateway = HTTPSchedulerGateway(
        baseURL: configuration.schedulerURL,
        timeoutMilliseconds: configuration.schedulerTimeoutMilliseconds,
        maxInFlight: configuration.schedulerMaxInFlight,
        maxQueued: configuration.schedulerMaxQueued,
        queueTimeoutMilliseconds: configuration.schedulerQueueTimeoutMilliseconds,
        maxResponseBytes: configuration.schedulerMaxResponseBytes,
        metrics: metrics,
        logger: logger
    )
    let repository = storage.webTasks
    let observations = storage.observations
    let events = storage.events
    let recorder = ObservationRecorder(repository: observations, logger: logger)
    let feed: EventFeed
    do {
        feed = try await EventFeed(
            repository: events, changes: changes, maxSubscribers: configuration.eventsMaxSubscribers,
            heartbeat: .milliseconds(configuration.eventsHeartbeatMilliseconds), logger: logger
        )
    } catch {
        try? await storage.close()
        throw error
    }
    let router = buildRouter(
        configuration: configuration,
        storage: storage.health,
        lifecycle: lifecycle,
        metrics: metrics,
        reachability: gateway.reachability,
        webTasks: WebTaskService(repository: repository, locks: storage.locks),
        executions: ExecutionService(
            repository: repository, commandLog: storage.commandLog, gateway: gateway,
            observations: observations, recorder: recorder, locks: storage.locks
        ),
        feed: feed,
        logger: logger
    )
    let headerLimit = HTTP1Channel.Configuration.DecoderConfiguration(
        maxHeaderFieldSize: configuration.maxHeaderBytes,
        maxHeaderListSize: configuration.maxHeaderBytes
    )
    var application = Application(
        router: router,
        server: .http1ClosingNonPersistent(
            configuration: .init(idleTimeout: .milliseconds(Int64(configuration.readTimeoutMilliseconds)), httpDecoderConfiguration: headerLimit),
            lifecycle: lifecycle
        ),
        // A burst of new connections (a restart behind a load balancer, 1,024 clients at once) must not
        // overflow the accept queue: dropped SYNs are retried only after a second. The kernel caps
        // the backlog at net.core.somaxconn.
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "TaskPilot", backlog: 4096),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            lifecycle.listening(on: port)
            channel.closeFuture.whenComplete { _ in lifecycle.listenerHasClosed() }
            logger.info("TaskPilot \(TaskPilotVersion.current) listening", metadata: [
                "address": "\(configuration.host):\(port)",
                "db": "\(storage.location)",
                "scheduler": "\(configuration.schedulerURL)",
                "auth": "\(configuration.apiTokens.isEmpty ? "off" : "on")",
                "cors": "\(configuration.corsOrigins.isEmpty ? "none" : configuration.corsOrigins.joined(separator: ","))",
                "metrics": "\(configuration.metricsEnabled ? (configuration.metricsPublic ? "on, public" : "on") : "off")",
                "watch": "\(configuration.watchEnabled ? "on" : "off")",
            ])
        },
        logger: logger
    )
    // The application shuts its services down after the HTTP server, last added first, so
    // requests in flight have finished, and then the background services, when this closes
    // the client and then the database.
    // The watcher calls the DTP on connections of its own, so that user requests never queue
    // behind its calls.
    let watchGateway = configuration.watchEnabled ? HTTPSchedulerGateway(
        baseURL: configuration.schedulerURL,
        timeoutMilliseconds: configuration.schedulerTimeoutMilliseconds,
        maxInFlight: configuration.watchMaxInFlight,
        maxResponseBytes: configuration.schedulerMaxResponseBytes,
        forWatcher: true,
        metrics: metrics,
        logger: logger
    ) : nil
    application.addServices(ClosureService {
        try? await gracefulShutdown()
        try await gateway.shutdown()
        try await watchGateway?.shutdown()
        try await storage.close()
        if lifecycle.boundPort != nil {
            logger.info("shutdown finished: requests answered, database closed")
        }
    })
    application.addServices(
        recorder, feed, EventRetention(repository: events, days: configuration.eventsRetentionDays, logger: logger),
        MemoryTrimmer(lifecycle: lifecycle)
    )
    if let postgres = storage.postgres {
        application.addServices(PostgresChangeListener(settings: postgres, changes: changes, logger: logger))
    }
    if let database = storage.sqlite {
        application.addServices(SQLitePageCheckReport(database: database, logger: logger))
        metrics.observe(database: database)
    }
    metrics.observe(gateway: gateway, pool: "requests")
    metrics.observe(feed: feed)
    if let watchGateway {
        metrics.observe(gateway: watchGateway, pool: "watcher")
        let watcher = ExecutionWatcher(
            gateway: watchGateway, repository: observations, recorder: recorder,
            settings: .init(
                minInterval: .milliseconds(configuration.watchMinIntervalMilliseconds),
                maxInterval: .milliseconds(configuration.watchMaxIntervalMilliseconds),
                maxInFlight: configuration.watchMaxInFlight,
                maxPerSecond: configuration.watchMaxPerSecond
            ),
            logger: logger
        )
        metrics.observe(watcher: watcher)
        // Replicas on one PostgreSQL watch through one of them at a time.
        if let postgres = storage.postgres {
            application.addServices(PostgresWatchLeadership(settings: postgres, watcher: watcher, logger: logger))
        } else {
            application.addServices(watcher)
        }
    }
    return application
}

func buildRouter(
    configuration: TaskPilotConfiguration,
    storage: any StorageHealth,
    lifecycle: ServerLifecycle,
    metrics: TaskPilotMetrics,
    reachability: SchedulerReachability,
    webTasks: WebTaskService,
    executions: ExecutionService,
    feed: EventFeed,
    logger: Logger
) -> Router<BasicRequestContext> {
    // HEAD on every GET route answers as GET would, without the body (RFC 9110 § 9.3.2).
    let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Outermost first: telemetry sees every final answer and gives each request its id; CORS
    // wraps everything, error answers included, and answers preflights before auth asks for a
    // token; errors become JSON before CORS sees them.
    router.add(middleware: RequestTelemetryMiddleware(metrics: metrics, logger: logger))
    router.add(middleware: AllowListCORSMiddleware(origins: Set(configuration.corsOrigins)))
    router.add(middleware: ErrorMiddleware(maxBodyBytes: configuration.maxBodyBytes))
    router.add(middleware: BearerAuthMiddleware(tokens: configuration.apiTokens, metricsPublic: configuration.metricsPublic))
    if metrics.enabled {
        MetricsRoutes(metrics: metrics).add(to: router)
    }
    let api = router.group("api")
    HealthRoutes(storage: storage, lifecycle: lifecycle, scheduler: reachability).add(to: api)
    OpenAPIRoutes().add(to: api)
    EventRoutes(feed: feed, maxPageSize: configuration.maxPageSize).add(to: api)
    // On the routes only, so that an unknown path or method is still a 404 or 405.
    let tasks = api.group("tasks").add(middleware: JSONContentTypeMiddleware(maxBodyBytes: configuration.maxBodyBytes))
    WebTaskRoutes(
        service: webTasks,
        maxBodyBytes: configuration.maxBodyBytes,
        maxPageSize: configuration.maxPageSize,
        idempotencyTTLHours: configuration.idempotencyTTLHours
    ).add(to: tasks)
    ExecutionRoutes(service: executions, maxBodyBytes: configuration.maxBodyBytes, maxPageSize: configuration.maxPageSize).add(to: tasks)
    ConsoleRoutes().add(to: router)
    router.addMethodNotAllowedRoutes()
    return router
}
