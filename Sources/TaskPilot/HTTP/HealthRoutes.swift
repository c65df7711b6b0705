import Hummingbird
import OrderedJSON
import SQLiteDB

/// `/api/health` (liveness) and `/api/ready` (readiness), both open without a token so that
/// probes and load balancers can poll them.
struct HealthRoutes<Context: RequestContext>: Sendable {
    let database: Database
    let lifecycle: ServerLifecycle
    let scheduler: SchedulerReachability

    func add(to group: RouterGroup<Context>) {
        group.get("health") { _, _ in health() }
        group.get("ready") { _, _ in await readiness() }
    }

    /// Up while the database is open and its last write did not fail for want of storage. It
    /// touches no table, so it costs what a constant route costs and can be polled freely.
    private func health() -> Response {
        if let fault = Self.storageFault(database) {
            return Self.down(reason: fault)
        }
        return JSONResponse.make(#"{"status":"UP"}"#)
    }

    /// Closed, or its last write failed for want of storage: what both probes refuse for.
    private static func storageFault(_ database: Database) -> String? {
        guard database.isOpen else { return "the database is closed" }
        return database.storageFailure?.message
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
        let storage = await Self.storageProblem(database)
        if let storage { reasons.append("storage: \(storage)") }
        let migrations = await Self.migrationProblem(database)
        if let migrations { reasons.append("migrations: \(migrations)") }
        let draining = lifecycle.isShuttingDown
        if draining { reasons.append("shutting down") }

        var object = JSONObject()
        object.add("status", reasons.isEmpty ? "READY" : "NOT_READY")
        object.addRaw("reasons", JSONObject.array(reasons.map(JSONObject.quoted)))
        object.add("database", storage == nil ? "writable" : "unavailable")
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

    /// Why the database cannot take a write, or nil. The probe goes through the writer like
    /// any write (an empty one), so a stuck writer holds the probe's answer too, and a load
    /// balancer's probe times out: not ready either way.
    private static func storageProblem(_ database: Database) async -> String? {
        if let fault = storageFault(database) { return fault }
        do {
            try await database.write { _ in }
            return nil
        } catch {
            return "\(error)"
        }
    }

    private static func migrationProblem(_ database: Database) async -> String? {
        do {
            let applied = try await database.read { connection in
                try connection.query("SELECT version FROM schema_migrations ORDER BY version") { $0.int(0) }
            }
            let known = Migrator().migrations.map(\.version)
            return applied == known ? nil : "the database has \(applied), this binary \(known)"
        } catch {
            return "\(error)"
        }
    }
}
