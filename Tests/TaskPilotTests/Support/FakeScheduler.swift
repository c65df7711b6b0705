import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import OrderedJSON

/// A DTP test double: a real HTTP server on loopback that answers as `docs/scheduler-contract.md` says,
/// with switches that make it misbehave. Written apart from the reference scheduler so that
/// the contract tests can hold both to the document.
final class FakeScheduler: Sendable {
    enum Fault: Sendable, Equatable {
        /// Accept the request and answer nothing while the fault lasts.
        case hang
        /// Answer `500` with an HTML page.
        case html500
        /// Answer a create with `201` and a cut-off JSON body.
        case truncatedCreate
        /// Answer every lookup as if the task had never existed.
        case forget
        /// Answer `200` with a 2 MiB body.
        case oversized
        /// Answer as usual, but only after this long.
        case slow(Duration)
    }

    private struct State {
        var fault: Fault?
        var tasks: [Int64: String] = [:]  // id -> status
        var types: [Int64: (type: String, payload: String)] = [:]
        var lastErrors: [Int64: String] = [:]
        var lastId: Int64 = 0
        var creates = 0
        var createsInFlight = 0
        var maxConcurrentCreates = 0
        var requests = 0
        var gets: [Int64: Int] = [:]
        var getsInFlight = 0
        var maxConcurrentGets = 0
        var received: [ReceivedCall] = []
    }

    /// The identity headers of one call the double received.
    struct ReceivedCall: Sendable {
        let path: String
        let requestId: String?
        let traceParent: String?
        let traceState: String?
    }

    private let state = NIOLockedValueBox(State())
    /// How long a create takes, so that concurrent binds overlap.
    let createDelay: Duration

    init(createDelay: Duration = .zero) {
        self.createDelay = createDelay
    }

    var fault: Fault? {
        get { state.withLockedValue { $0.fault } }
        set { state.withLockedValue { $0.fault = newValue } }
    }

    var creates: Int { state.withLockedValue { $0.creates } }
    /// The most creates the double was handling at one moment.
    var maxConcurrentCreates: Int { state.withLockedValue { $0.maxConcurrentCreates } }
    var requests: Int { state.withLockedValue { $0.requests } }
    /// `GET /tasks/{id}` calls for one task, answered or not.
    func gets(_ id: Int64) -> Int { state.withLockedValue { $0.gets[id] ?? 0 } }
    var allGets: Int { state.withLockedValue { $0.gets.values.reduce(0, +) } }
    /// The most lookups the double was handling at one moment.
    var maxConcurrentGets: Int { state.withLockedValue { $0.maxConcurrentGets } }

    /// Moves a task on, as the DTP's worker would.
    func setStatus(_ id: Int64, _ status: String) {
        state.withLockedValue { $0.tasks[id] = status }
    }

    /// Gives a task's answers a `lastError`.
    func setLastError(_ id: Int64, _ text: String) {
        state.withLockedValue { $0.lastErrors[id] = text }
    }

    /// Makes a task's answer as large as needed.
    func setPayload(_ id: Int64, _ payload: String) {
        state.withLockedValue { $0.types[id]?.payload = payload }
    }

    /// Every call received, in order of arrival.
    var received: [ReceivedCall] { state.withLockedValue { $0.received } }

    private func note(_ request: Request) {
        let call = ReceivedCall(
            path: request.uri.path,
            requestId: request.headers[HTTPField.Name("X-Request-Id")!],
            traceParent: request.headers[HTTPField.Name("traceparent")!],
            traceState: request.headers[HTTPField.Name("tracestate")!]
        )
        state.withLockedValue { $0.received.append(call) }
    }

    func application() -> some ApplicationProtocol {
        let router = Router()
        router.post("tasks") { request, context in self.note(request); return try await self.create(request, context) }
        router.get("tasks/:id") { request, context in self.note(request); return try await self.lookup(context, cancel: false) }
        router.put("tasks/:id/cancel") { request, context in self.note(request); return try await self.lookup(context, cancel: true) }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: quietLogger)
    }

    private func create(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        if let response = try await faultResponse() { return response }
        state.withLockedValue { state in
            state.createsInFlight += 1
            state.maxConcurrentCreates = max(state.maxConcurrentCreates, state.createsInFlight)
        }
        defer { state.withLockedValue { $0.createsInFlight -= 1 } }
        try await Task.sleep(for: createDelay)
        if fault == .truncatedCreate {
            state.withLockedValue { $0.creates += 1 }
            return Self.json(#"{"id":17,"type":"de"#, status: .created)
        }
        struct Create: Decodable { let type: String?; let payload: String? }
        guard let create = try? JSONDecoder().decode(Create.self, from: Data(body.readableBytesView)),
              let type = create.type, !type.trimmingCharacters(in: .whitespaces).isEmpty,
              let payload = create.payload, !payload.trimmingCharacters(in: .whitespaces).isEmpty
        else {
            return Self.frameworkError(.badRequest, path: "/tasks")
        }
        let id = state.withLockedValue { state in
            state.creates += 1
            state.lastId += 1
            state.tasks[state.lastId] = "PENDING"
            state.types[state.lastId] = (type, payload)
            return state.lastId
        }
        return Self.json(taskJSON(id), status: .created)
    }

    private func lookup(_ context: BasicRequestContext, cancel: Bool) async throws -> Response {
        if !cancel, let id = context.parameters.get("id").flatMap({ Int64($0) }) {
            state.withLockedValue { state in
                state.gets[id, default: 0] += 1
                state.getsInFlight += 1
                state.maxConcurrentGets = max(state.maxConcurrentGets, state.getsInFlight)
            }
        }
        defer {
            if !cancel { state.withLockedValue { $0.getsInFlight = max(0, $0.getsInFlight - 1) } }
        }
        if let response = try await faultResponse() { return response }
        guard let text = context.parameters.get("id"), let id = Int64(text) else {
            return Self.frameworkError(.badRequest, path: cancel ? "/tasks/\(context.parameters.get("id") ?? "")/cancel" : "/tasks/\(context.parameters.get("id") ?? "")")
        }
        let status = state.withLockedValue { $0.fault == .forget ? nil : $0.tasks[id] }
        guard let status else {
            return Self.json(#"{"message":"Task not found: \#(id)"}"#, status: .notFound)
        }
        if cancel {
            guard status == "PENDING" else {
                return Self.json(#"{"message":"Cannot cancel task in state \#(status)"}"#, status: .conflict)
            }
            setStatus(id, "CANCELED")
        }
        return Self.json(taskJSON(id))
    }

    private func faultResponse() async throws -> Response? {
        state.withLockedValue { $0.requests += 1 }
        switch fault {
        case .hang?:
            // Silent until the switch is turned off, so that the server can still shut down.
            while fault == .hang {
                try await Task.sleep(for: .milliseconds(20))
            }
            return nil
        case .html500?:
            return Response(
                status: .internalServerError,
                headers: [.contentType: "text/html"],
                body: .init(byteBuffer: ByteBuffer(string: "<html><body>Whitelabel Error Page</body></html>"))
            )
        case .oversized?:
            return Self.json(#"{"message":""# + String(repeating: "x", count: 2 << 20) + #""}"#)
        case .slow(let delay)?:
            try await Task.sleep(for: delay)
            return nil
        default:
            return nil
        }
    }

    private func taskJSON(_ id: Int64) -> String {
        let (status, task, lastError) = state.withLockedValue { ($0.tasks[id] ?? "PENDING", $0.types[id] ?? ("demo", ""), $0.lastErrors[id]) }
        let retryState = ["PENDING": "READY_TO_PROCESS/NOT_QUEUED", "CANCELED": "CANCELED", "SUCCEEDED": "COMPLETED"][status] ?? "IN_PROGRESS"
        let now = "2026-01-27T19:30:24.639878Z"
        var object = JSONObject()
        object.add("id", id)
        object.add("type", task.type)
        object.add("payload", task.payload)
        object.add("status", status)
        object.add("createdAt", now)
        object.add("updatedAt", now)
        object.add("scheduledFor", now)
        object.add("processingStartedAt", status == "SUCCEEDED" ? now : nil)
        object.add("completedAt", status == "SUCCEEDED" ? now : nil)
        object.add("workerId", status == "SUCCEEDED" ? "fake-worker" : nil)
        object.add("attemptCount", status == "SUCCEEDED" ? 1 : 0)
        object.add("maxAttempts", 3)
        object.add("nextRunAt", nil as String?)
        object.add("lastError", lastError)
        object.add("retryState", retryState)
        return object.json
    }

    private static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func frameworkError(_ status: HTTPResponse.Status, path: String) -> Response {
        json(#"{"timestamp":"2026-01-27T19:30:24.639Z","status":\#(status.code),"error":"\#(status.reasonPhrase)","path":"\#(path)"}"#, status: status)
    }
}
