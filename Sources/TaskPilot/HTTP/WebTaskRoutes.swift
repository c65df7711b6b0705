import HTTPTypes
import Hummingbird
import OrderedJSON
import SQLiteDB

/// `/api/tasks`: the web task records themselves.
struct WebTaskRoutes<Context: RequestContext>: Sendable {
    let service: WebTaskService
    let maxBodyBytes: Int
    let maxPageSize: Int
    let idempotencyTTLHours: Int
    let listed = WebTaskJSONCache()

    func add(to group: RouterGroup<Context>) {
        group.post(use: create)
        group.get(use: list)
        group.get(":id", use: get)
        group.put(":id/cancel", use: cancel)
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let key = try RequestParsing.idempotencyKey(request)
        let newTask = try RequestParsing.newTask(try await RequestParsing.body(request, limit: maxBodyBytes))
        guard let key else {
            return Self.created(try await service.create(type: newTask.type, payload: newTask.payload))
        }
        switch try await service.create(type: newTask.type, payload: newTask.payload, idempotencyKey: key, ttlHours: idempotencyTTLHours) {
        case .created(let task): return Self.created(task)
        case .replayed(let task): return Self.created(task, replayed: true)
        }
    }

    /// `201` with the task and its `Location`; a replayed create says so.
    static func created(_ task: WebTask, replayed: Bool = false) -> Response {
        var headers: HTTPFields = [.location: "/api/tasks/\(task.id)"]
        if replayed {
            headers[.idempotentReplayed] = "true"
        }
        return JSONResponse.make(task.json, status: .created, headers: headers)
    }

    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        JSONResponse.make(try await service.get(id: try RequestParsing.taskId(context)).json)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let page = try await service.list(try RequestParsing.taskQuery(request, maxPageSize: maxPageSize))
        return JSONResponse.make(utf8: page.utf8(tasks: listed.utf8(of:)))
    }

    @Sendable func cancel(_ request: Request, context: Context) async throws -> Response {
        JSONResponse.make(try await service.cancel(id: try RequestParsing.taskId(context)).json)
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    /// Marks the answer to a create that was not created again (as Stripe and the IETF draft name it).
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}
