import Hummingbird
import OrderedJSON

/// `/api/health` (liveness) and `/api/ready` (readiness), both open without a token so that
/// probes and load balancers can poll them.
struct HealthRoutes<Context: RequestContext>: Sendable {
    let storage: any StorageHealth
    let lifecycle: ServerLifecycle
    let scheduler: SchedulerReachability

    func add(to group: RouterGroup<Context>) {
        group.get("health") { _, _ in health() }
        group.get("ready") { _, _ in await readiness() }
    }

    /// Up while the database is open and its last write did not fail for want of storage. It
    /// touches no table, so it costs what a constant route costs and can be polled freely.
    private func health() -> Response {
        if let fault = storage.fault {
            return Self.down(reason: fault)
        }
        return JSONResponse.make(#"{"status":"UP"}"#)
    }

    private static func down(reason: String) -> Response {
        var object = JSONObject()
        object.add("status", "DOWN")
        object.add("storage", reason)
        return JSONResponse.make(object.json, status: .serviceUnavailable)
    }

    /// Ready when the database takes a write, its migrations are this binary's and no shutdown
    /// has begun. The DTP is reported but never makes TaskPilot unready: creating, reading and
    /// listing tasks go on while it is away.
    private func readiness() async -> Response {
        var reasons: [String] = []
        let writable = await storage.writeProblem()
        if let writable { reasons.append("storage: \(writable)") }
        let migrations = await storage.migrationProblem()
        if let migrations { reasons.append("migrations: \(migrations)") }
        let draining = lifecycle.isShuttingDown
        if draining { reasons.append("shutting down") }

        var object = JSONObject()
        object.add("status", reasons.isEmpty ? "READY" : "NOT_READY")
        object.addRaw("reasons", JSONObject.array(reasons.map(JSONObject.quoted)))
        object.add("database", writable == nil ? "writable" : "unavailable")
        object.add("migrations", migrations == nil ? "current" : "not current")
        object.addRaw("shuttingDown", draining ? "true" : "false")
        let report = scheduler.report
        var dtp = JSONObject()
        dtp.add("status", report.status.name)
        dtp.add("lastError", report.lastError)
        dtp.add("lastErrorAt", report.lastErrorAt)
        object.addRaw("scheduler", dtp.json)
        return JSONResponse.make(object.json, status: reasons.isEmpty ? .ok : .serviceUnavailable)
    }
}
