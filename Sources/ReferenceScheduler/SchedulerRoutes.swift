import Foundation
import Hummingbird
import OrderedJSON

/// The DTP's HTTP contract: `POST /tasks`, `GET /tasks/{id}`, `PUT /tasks/{id}/cancel`.
struct SchedulerRoutes: Sendable {
    let store: TaskStore

    func add(to router: Router<BasicRequestContext>) {
        router.post("tasks", use: create)
        router.get("tasks/:id", use: get)
        router.put("tasks/:id/cancel", use: cancel)
    }

    private struct CreateRequest: Decodable {
        let type: String?
        let payload: String?
    }

    @Sendable func create(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        guard let create = try? JSONDecoder().decode(CreateRequest.self, from: Data(body.readableBytesView)),
              let type = create.type, !type.trimmingCharacters(in: .whitespaces).isEmpty,
              let payload = create.payload, !payload.trimmingCharacters(in: .whitespaces).isEmpty
        else {
            throw FrameworkError(.badRequest)
        }
        let task = try await store.create(type: type, payload: payload)
        return Self.json(task.json(now: Date()), status: .created)
    }

    @Sendable func get(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let id = try Self.id(context)
        guard let task = try await store.task(id) else {
            return Self.message("Task not found: \(id)", status: .notFound)
        }
        return Self.json(task.json(now: Date()))
    }

    @Sendable func cancel(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let id = try Self.id(context)
        switch try await store.cancel(id) {
        case .canceled(let task):
            return Self.json(task.json(now: Date()))
        case .notCancelable(let status):
            return Self.message("Cannot cancel task in state \(status.rawValue)", status: .conflict)
        case .notFound:
            return Self.message("Task not found: \(id)", status: .notFound)
        }
    }

    /// The path id as a 64-bit integer; anything else is the framework's 400.
    private static func id(_ context: BasicRequestContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text) else {
            throw FrameworkError(.badRequest)
        }
        return id
    }

    /// A domain error: `{"message":"…"}`.
    static func message(_ message: String, status: HTTPResponse.Status) -> Response {
        var object = JSONObject()
        object.add("message", message)
        return json(object.json, status: status)
    }

    static func json(_ json: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}

/// An error the DTP's framework raises itself (bad id, bad body, unknown route, wrong method).
struct FrameworkError: Error {
    let status: HTTPResponse.Status

    init(_ status: HTTPResponse.Status) {
        self.status = status
    }
}

/// Renders framework errors in the framework's default body:
/// `{"timestamp":"…","status":400,"error":"Bad Request","path":"/tasks/abc"}`.
struct FrameworkErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as FrameworkError {
            return Self.response(error.status, request: request)
        } catch let error as HTTPError where error.status == .notFound {
            // The router's 404: a known path with another method is Spring's 405.
            return Self.response(Self.isKnownPath(request.uri.path) ? .methodNotAllowed : .notFound, request: request)
        } catch let error as any HTTPResponseError {
            return Self.response(error.status, request: request)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return Self.response(.internalServerError, request: request)
        }
    }

    static func response(_ status: HTTPResponse.Status, request: Request) -> Response {
        var object = JSONObject()
        object.add("timestamp", Timestamp.iso8601(Date()).replacingOccurrences(of: #"(\.\d{3})\d{3}Z"#, with: "$1Z", options: .regularExpression))
        object.add("status", status.code)
        object.add("error", status.reasonPhrase)
        object.add("path", request.uri.path)
        return SchedulerRoutes.json(object.json, status: status)
    }

    private static func isKnownPath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.first == "tasks" else { return false }
        return parts.count == 1 || parts.count == 2 || (parts.count == 3 && parts[2] == "cancel")
    }
}
