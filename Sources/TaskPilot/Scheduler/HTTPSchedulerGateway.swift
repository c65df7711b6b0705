import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import OrderedJSON
import ServiceContextModule

/// `SchedulerGateway` over HTTP: admission, metrics, logging and trace context around a
/// transport, SwiftNIO connections of its own for `http://` and AsyncHTTPClient for `https://`.
public final class HTTPSchedulerGateway: SchedulerGateway {
    public let baseURL: String
    private let transport: any SchedulerTransport
    private let timeout: TimeAmount
    let admission: SchedulerAdmission
    /// Whether the DTP answered lately, for readiness.
    let reachability = SchedulerReachability()
    /// The metric kind of `getTask`: `get` for requests, `watch` for the watcher's gateway.
    private let getKind: SchedulerCallKind
    private let metrics: TaskPilotMetrics
    private let logger: Logger
    private let propagator = TraceContextPropagator()

    public init(
        baseURL: String,
        timeoutMilliseconds: Int,
        maxInFlight: Int = 256,
        maxQueued: Int = 4096,
        queueTimeoutMilliseconds: Int = 10_000,
        maxResponseBytes: Int = 1 << 20,
        forWatcher: Bool = false,
        metrics: TaskPilotMetrics = TaskPilotMetrics(enabled: false),
        logger: Logger = Logger(label: "taskpilot")
    ) {
        self.baseURL = baseURL
        self.getKind = forWatcher ? .watch : .get
        self.metrics = metrics
        self.logger = logger
        self.admission = SchedulerAdmission(
            maxInFlight: maxInFlight,
            maxQueued: maxQueued,
            queueTimeout: .milliseconds(Int64(queueTimeoutMilliseconds))
        )
        self.timeout = .milliseconds(Int64(timeoutMilliseconds))
        if baseURL.lowercased().hasPrefix("https:") {
            self.transport = AsyncHTTPClientTransport(
                baseURL: baseURL, timeoutMilliseconds: timeoutMilliseconds, maxConnections: maxInFlight, maxResponseBytes: maxResponseBytes
            )
        } else {
            self.transport = SchedulerConnectionPool(baseURL: baseURL, timeoutMilliseconds: timeoutMilliseconds, maxResponseBytes: maxResponseBytes)
        }
    }

    public func shutdown() async throws {
        try await transport.shutdown()
    }

    public func createTask(type: String, payload: String) async throws(SchedulerError) -> SchedulerCreateResult {
        var body = JSONObject()
        body.add("type", type)
        body.add("payload", payload)
        let answer = try await send(.create, .POST, "/tasks", body: body.json)
        guard (200..<300).contains(answer.status) else {
            return .rejected(answer)
        }
        guard let object = try? JSONObjectBody(answer.body.readableBytesView),
              let id = try? object.positiveInt64("id")
        else {
            throw .unreadable(url: baseURL, cause: "POST /tasks answered \(answer.status) without a task id in its body")
        }
        return .created(id: id, answer: answer)
    }

    public func getTask(id: Int64) async throws(SchedulerError) -> SchedulerAnswer {
        try await send(getKind, .GET, "/tasks/" + String(id))
    }

    public func cancelTask(id: Int64) async throws(SchedulerError) -> SchedulerAnswer {
        try await send(.cancel, .PUT, "/tasks/\(id)/cancel")
    }

    /// One DTP call through admission, counted, timed and, when it fails, logged at warning
    /// with the request it was made for.
    private func send(
        _ kind: SchedulerCallKind, _ method: HTTPMethod, _ path: String, body: String? = nil
    ) async throws(SchedulerError) -> SchedulerAnswer {
        let queuedAt = ContinuousClock.now
        var admittedAt = queuedAt
        do {
            let answer = try await admission.run { () async throws(SchedulerError) in
                admittedAt = .now
                return try await call(method, path, body: body)
            }
            metrics.recordSchedulerCall(kind, outcome: String(answer.status), duration: answer.upstreamDuration)
            reachability.answered()
            return answer
        } catch {
            let outcome: String
            // A saturated call never reached the DTP: its time is the wait, and it says nothing
            // about whether the DTP is reachable.
            var since = admittedAt
            switch error {
            case .saturated: outcome = "saturated"; since = queuedAt
            case .unreachable: outcome = "refused"
            case .timedOut: outcome = "timeout"
            case .unreadable: outcome = "unreadable"
            case .failed(_, let status): outcome = String(status)
            }
            metrics.recordSchedulerCall(kind, outcome: outcome, duration: .now - since)
            if outcome != "saturated" {
                reachability.failed(error.description, answered: error.httpStatus != nil)
            }
            var metadata: Logger.Metadata = ["scheduler.call": "\(method.rawValue) \(path)", "outcome": "\(outcome)"]
            if let trace = RequestTrace.current {
                metadata["request.id"] = "\(trace.requestId)"
            }
            logger.warning("scheduler call failed: \(error)", metadata: metadata)
            throw error
        }
    }

    /// One admitted call; `scheduler.timeoutMs` counts from here. The request's id and trace
    /// context go with it.
    private func call(_ method: HTTPMethod, _ path: String, body: String?) async throws(SchedulerError) -> SchedulerAnswer {
        // Room for what the call adds: trace context, request id, Content-Type, Host, Content-Length.
        var headers = HTTPHeaders()
        headers.reserveCapacity(7)
        headers.add(name: "Accept", value: "application/json")
        if let context = ServiceContext.current {
            propagator.inject(context, into: &headers, using: HTTPHeadersInjector())
        }
        if body != nil {
            headers.add(name: "Content-Type", value: "application/json")
        }
        let started = ContinuousClock.now
        let response = try await transport.send(
            SchedulerRequest(method: method, path: path, headers: headers, body: body.map { ByteBuffer(string: $0) }), timeout: timeout
        )
        // The contract has no 5xx: a DTP in trouble is an upstream failure (502), never a 500 of ours.
        guard response.status < 500 else {
            throw SchedulerError.failed(url: baseURL, status: response.status)
        }
        return SchedulerAnswer(status: response.status, contentType: response.contentType, body: response.body, upstreamDuration: .now - started)
    }
}
