import Hummingbird
import HummingbirdCore
import Logging
import SQLiteDB

/// Builds the TaskPilot service on `configuration`: opens and migrates the database, creates
/// the scheduler gateway and wires the routes. The database and the HTTP client close when
/// the application shuts down.
public func buildApplication(
    _ configuration: TaskPilotConfiguration,
    logger: Logger = Logger(label: "taskpilot")
) async throws -> some ApplicationProtocol {
    try configuration.requireTokensWhenExposed()
    let (database, applied) = try await TaskPilotDatabase.open(path: configuration.databasePath)
    if !applied.isEmpty {
        logger.info("applied migrations", metadata: ["versions": "\(applied)", "db": "\(configuration.databasePath)"])
    }
    let gateway = HTTPSchedulerGateway(
        baseURL: configuration.schedulerURL,
        timeoutMilliseconds: configuration.schedulerTimeoutMilliseconds,
        maxInFlight: configuration.schedulerMaxInFlight,
        maxResponseBytes: configuration.schedulerMaxResponseBytes
    )
    let repository = SQLiteWebTaskRepository(database: database)
    let router = buildRouter(
        configuration: configuration,
        database: database,
        webTasks: WebTaskService(repository: repository),
        executions: ExecutionService(repository: repository, commandLog: SQLiteCommandLog(database: database), gateway: gateway)
    )
    let headerLimit = HTTP1Channel.Configuration.DecoderConfiguration(
        maxHeaderFieldSize: configuration.maxHeaderBytes,
        maxHeaderListSize: configuration.maxHeaderBytes
    )
    var application = Application(
        router: router,
        server: .http1(configuration: .init(
            idleTimeout: .milliseconds(Int64(configuration.readTimeoutMilliseconds)),
            httpDecoderConfiguration: headerLimit
        )),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "TaskPilot"),
        logger: logger
    )
    application.addServices(
        ShutdownHook { try await gateway.shutdown() },
        ShutdownHook { try await database.close() }
    )
    return application
}

func buildRouter(
    configuration: TaskPilotConfiguration,
    database: Database,
    webTasks: WebTaskService,
    executions: ExecutionService
) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    // Outermost first: CORS wraps everything, error answers included, and answers preflights
    // before auth asks for a token; errors become JSON before CORS sees them.
    router.add(middleware: AllowListCORSMiddleware(origins: Set(configuration.corsOrigins)))
    router.add(middleware: ErrorMiddleware(maxBodyBytes: configuration.maxBodyBytes))
    router.add(middleware: BearerAuthMiddleware(tokens: configuration.apiTokens))
    let api = router.group("api")
    HealthRoutes(isUp: { database.isOpen }).add(to: api)
    OpenAPIRoutes().add(to: api)
    let tasks = api.group("tasks")
    WebTaskRoutes(service: webTasks, maxBodyBytes: configuration.maxBodyBytes, maxPageSize: configuration.maxPageSize).add(to: tasks)
    ExecutionRoutes(service: executions, maxBodyBytes: configuration.maxBodyBytes).add(to: tasks)
    router.addMethodNotAllowedRoutes()
    return router
}
