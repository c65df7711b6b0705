import Hummingbird

/// `/api/tasks`: the web task records themselves.
struct WebTaskRoutes<Context: RequestContext>: Sendable {
    let service: WebTaskService
    let maxBodyBytes: Int
    let maxPageSize: Int

    func add(to group: RouterGroup<Context>) {
        group.post(use: create)
        group.get(use: list)
        group.get(":id", use: get)
        group.put(":id/cancel", use: cancel)
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let newTask = try RequestParsing.newTask(try await RequestParsing.body(request, limit: maxBodyBytes))
        let task = try await service.create(type: newTask.type, payload: newTask.payload)
        return JSONResponse.make(task.json, status: .created, headers: [.location: "/api/tasks/\(task.id)"])
    }

    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        JSONResponse.make(try await service.get(id: try RequestParsing.taskId(context)).json)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        JSONResponse.make(try await service.list(try RequestParsing.taskQuery(request, maxPageSize: maxPageSize)).json)
    }

    @Sendable func cancel(_ request: Request, context: Context) async throws -> Response {
        JSONResponse.make(try await service.cancel(id: try RequestParsing.taskId(context)).json)
    }
}

/// `/api/health`: up while the database is open. It touches no table, so it costs what a
/// constant route costs and can be polled freely.
struct HealthRoutes<Context: RequestContext>: Sendable {
    let isUp: @Sendable () -> Bool

    func add(to group: RouterGroup<Context>) {
        group.get("health") { _, _ in
            isUp()
                ? JSONResponse.make(#"{"status":"UP"}"#)
                : JSONResponse.make(#"{"status":"DOWN"}"#, status: .serviceUnavailable)
        }
    }
}
