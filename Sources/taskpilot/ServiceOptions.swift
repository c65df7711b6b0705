import ArgumentParser

/// The flags that override the service's configuration; each maps to one key of
/// the README's configuration table. API tokens have no flag: secrets stay off the command line.
/// Numbers are taken as given, even `-1`, so that the range check names the key.
struct ServiceOptions: ParsableArguments {
    @Option(help: .setting("Address to listen on", key: "http.host"))
    var host: String?

    @Option(parsing: .unconditional, help: .setting("Port to listen on", key: "http.port"))
    var port: String?

    @Option(help: .setting("Base URL of the DTP", key: "scheduler.url"))
    var schedulerURL: String?

    @Option(parsing: .unconditional, help: .setting("DTP connect and answer timeout in milliseconds", key: "scheduler.timeoutMs"))
    var schedulerTimeoutMs: String?

    @Option(
        parsing: .unconditional,
        help: .setting("DTP calls allowed in flight at once, and connections kept to the DTP", key: "scheduler.maxInFlight")
    )
    var schedulerMaxInFlight: String?

    @Option(parsing: .unconditional, help: .setting("DTP calls that may wait for a place in flight; past it, 503", key: "scheduler.maxQueued"))
    var schedulerMaxQueued: String?

    @Option(
        parsing: .unconditional,
        help: .setting("Longest wait for a place in flight, in milliseconds; past it, 503", key: "scheduler.queueTimeoutMs")
    )
    var schedulerQueueTimeoutMs: String?

    @Option(parsing: .unconditional, help: .setting("Hours an Idempotency-Key of POST /api/tasks is remembered", key: "idempotency.ttlHours"))
    var idempotencyTtlHours: String?

    @Option(parsing: .unconditional, help: .setting("Largest DTP answer accepted, in bytes; past it, 502", key: "scheduler.maxResponseBytes"))
    var schedulerMaxResponseBytes: String?

    @Option(parsing: .unconditional, help: .setting("Largest request body, in bytes; past it, 413", key: "http.maxBodyBytes"))
    var maxBodyBytes: String?

    @Option(parsing: .unconditional, help: .setting("Largest request header block, in bytes", key: "http.maxHeaderBytes"))
    var maxHeaderBytes: String?

    @Option(parsing: .unconditional, help: .setting("Close a connection that sends nothing for this many milliseconds", key: "http.readTimeoutMs"))
    var readTimeoutMs: String?

    @Option(parsing: .unconditional, help: .setting("Largest list page a client may ask for", key: "http.maxPageSize"))
    var maxPageSize: String?

    @Option(help: .setting("Whether the watcher polls the DTP for executions that can still change (true or false)", key: "watch.enabled"))
    var watchEnabled: String?

    @Option(parsing: .unconditional, help: .setting("Poll a watched execution this many milliseconds after it changed", key: "watch.minIntervalMs"))
    var watchMinIntervalMs: String?

    @Option(parsing: .unconditional, help: .setting("Longest interval between polls of one execution, in milliseconds", key: "watch.maxIntervalMs"))
    var watchMaxIntervalMs: String?

    @Option(parsing: .unconditional, help: .setting("Watcher calls in flight at once", key: "watch.maxInFlight"))
    var watchMaxInFlight: String?

    @Option(parsing: .unconditional, help: .setting("Watcher calls per second, all tasks together", key: "watch.maxPerSecond"))
    var watchMaxPerSecond: String?

    @Option(parsing: .unconditional, help: .setting("Event streams open at once; past it, 503", key: "events.maxSubscribers"))
    var eventsMaxSubscribers: String?

    @Option(parsing: .unconditional, help: .setting("Days events are kept", key: "events.retentionDays"))
    var eventsRetentionDays: String?

    @Option(parsing: .unconditional, help: .setting("Milliseconds between heartbeat comments on an idle event stream", key: "events.heartbeatMs"))
    var eventsHeartbeatMs: String?

    @Option(help: .setting("Comma-separated origins allowed by CORS", key: "http.corsOrigins"))
    var corsOrigins: String?

    @Option(help: .setting("File with one API token a line", key: "auth.tokenFile"))
    var apiTokenFile: String?

    @Option(help: .setting("Whether /metrics exists and metrics are recorded (true or false)", key: "metrics.enabled"))
    var metricsEnabled: String?

    @Option(help: .setting("Whether /metrics answers without a token when tokens are configured (true or false)", key: "metrics.public"))
    var metricsPublic: String?

    @Option(help: .setting("Lowest level logged: trace, debug, info, notice, warning, error or critical", key: "log.level"))
    var logLevel: String?

    @Option(help: .setting("Log format: text or json (one object a line)", key: "log.format"))
    var logFormat: String?

    @Option(
        parsing: .unconditional,
        help: .setting("After SIGTERM, milliseconds to stay up answering, not ready, before refusing connections", key: "shutdown.drainMs")
    )
    var shutdownDrainMs: String?

    /// The values given, keyed by configuration key.
    var flags: [String: String] {
        let flags: [String: String?] = [
            "http.host": host,
            "http.port": port,
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
            "watch.enabled": watchEnabled,
            "watch.minIntervalMs": watchMinIntervalMs,
            "watch.maxIntervalMs": watchMaxIntervalMs,
            "watch.maxInFlight": watchMaxInFlight,
            "watch.maxPerSecond": watchMaxPerSecond,
            "events.maxSubscribers": eventsMaxSubscribers,
            "events.retentionDays": eventsRetentionDays,
            "events.heartbeatMs": eventsHeartbeatMs,
            "http.corsOrigins": corsOrigins,
            "auth.tokenFile": apiTokenFile,
            "metrics.enabled": metricsEnabled,
            "metrics.public": metricsPublic,
            "log.level": logLevel,
            "log.format": logFormat,
            "shutdown.drainMs": shutdownDrainMs,
        ]
        return flags.compactMapValues { $0 }
    }
}
