import HTTPTypes
import Hummingbird

/// `/api/tasks/{id}/scheduler` and `/api/tasks/{id}/execution…`: the routes that reach the DTP;
/// `/api/tasks/{id}/commands`: what was sent to it for the task.
struct ExecutionRoutes<Context: RequestContext>: Sendable {
    let service: ExecutionService
    let maxBodyBytes: Int
    let maxPageSize: Int

    func add(to group: RouterGroup<Context>) {
        group.post(":id/scheduler", use: bind)
        group.get(":id/execution", use: execution)
        group.put(":id/execution/cancel", use: cancelExecution)
        group.get(":id/commands", use: commands)
    }

    @Sendable func bind(_ request: Request, context: Context) async throws -> Response {
        let id = try RequestParsing.taskId(context)
        let body = try JSONObjectBody(try await RequestParsing.body(request, limit: maxBodyBytes).readableBytesView, emptyAllowed: true)
        switch try await service.bind(webTaskId: id, schedulerTaskId: try body.positiveInt64("schedulerTaskId")) {
        case .bound(let task):
            return JSONResponse.make(task.json)
        case .rejected(let answer):
            return Self.passThrough(answer)
        }
    }

    @Sendable func execution(_ request: Request, context: Context) async throws -> Response {
        Self.passThrough(try await service.execution(webTaskId: try RequestParsing.taskId(context)))
    }

    @Sendable func cancelExecution(_ request: Request, context: Context) async throws -> Response {
        Self.passThrough(try await service.cancelExecution(webTaskId: try RequestParsing.taskId(context)))
    }

    @Sendable func commands(_ request: Request, context: Context) async throws -> Response {
        let id = try RequestParsing.taskId(context)
        let query = try RequestParsing.commandQuery(request, maxPageSize: maxPageSize)
        return JSONResponse.make(try await service.commands(webTaskId: id, before: query.before, limit: query.limit).json)
    }

    /// The DTP's answer as it came: its status, its `Content-Type` and its body bytes,
    /// marked as the scheduler's, with the milliseconds the DTP took (as Envoy's
    /// `x-envoy-upstream-service-time`). No other DTP header is copied (hop-by-hop ones least of all).
    static func passThrough(_ answer: SchedulerAnswer) -> Response {
        var headers: HTTPFields = [
            .taskPilotSource: "scheduler",
            .taskPilotUpstreamDuration: String((answer.upstreamDuration.nanoseconds + 500_000) / 1_000_000),
        ]
        if let contentType = answer.contentType {
            headers[.contentType] = contentType
        }
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: answer.body))
    }
}

extension HTTPField.Name {
    /// Marks an answer that comes from the DTP rather than from TaskPilot.
    static let taskPilotSource = Self("TaskPilot-Source")!
    static let taskPilotUpstreamDuration = Self("TaskPilot-Upstream-Duration")!
}
