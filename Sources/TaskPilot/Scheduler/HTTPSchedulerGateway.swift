import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import OrderedJSON
import ServiceContextModule

/// `SchedulerGateway` over HTTP with one AsyncHTTPClient owned by the application.
///
/// Not `HTTPClient.shared`: its 90 s timeouts and redirect following are wrong for a proxy
/// that must answer 504 after `scheduler.timeoutMs` and never be sent elsewhere.
public final class HTTPSchedulerGateway: SchedulerGateway {
    public let baseURL: String
    private let client: HTTPClient
    private let timeout: TimeAmount
    private let timeoutMilliseconds: Int
    /// A DTP answer larger than this is a 502, never buffered without bound.
    private let maxResponseBytes: Int
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
        self.timeoutMilliseconds = timeoutMilliseconds
        self.timeout = .milliseconds(Int64(timeoutMilliseconds))
        self.maxResponseBytes = maxResponseBytes
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: timeout, read: timeout)
        configuration.httpVersion = .http1Only
        configuration.decompression = .disabled
        // One connection per admitted call: an admitted call never waits in the client's own
        // pool, where the wait would count against its timeout.
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxInFlight)
        // By default a refused connection is retried until the connect timeout; a DTP that is
        // down must be reported at once.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    public func shutdown() async throws {
        try await client.shutdown()
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
        try await send(getKind, .GET, "/tasks/\(id)")
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
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let context = ServiceContext.current {
            propagator.inject(context, into: &request.headers, using: HTTPHeadersInjector())
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let started = ContinuousClock.now
        do {
            let response = try await client.execute(request, timeout: timeout)
            let bytes = try await response.body.collect(upTo: maxResponseBytes)
            // The contract has no 5xx: a DTP in trouble is an upstream failure (502), never a 500 of ours.
            guard response.status.code < 500 else {
                throw SchedulerError.failed(url: baseURL, status: Int(response.status.code))
            }
            return SchedulerAnswer(
                status: Int(response.status.code),
                contentType: response.headers.first(name: "Content-Type"),
                body: bytes,
                upstreamDuration: .now - started
            )
        } catch {
            throw classify(error)
        }
    }

    /// Every transport failure becomes a `SchedulerError`; none may escape as a Hummingbird
    /// error, which would turn `HTTPParserError` into 400 and `NIOTooManyBytesError` into 413.
    private func classify(_ error: any Error) -> SchedulerError {
        if let error = error as? SchedulerError {
            return error
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout:
                return .timedOut(url: baseURL, milliseconds: timeoutMilliseconds)
            case .remoteConnectionClosed:
                return .unreachable(url: baseURL, cause: "the connection was closed before a complete answer")
            default:
                return .unreachable(url: baseURL, cause: "\(error)")
            }
        }
        if error is NIOTooManyBytesError {
            return .unreadable(url: baseURL, cause: "the answer is larger than \(maxResponseBytes) bytes")
        }
        if error is HTTPParserError {
            return .unreadable(url: baseURL, cause: "the answer is not valid HTTP (\(error))")
        }
        if let error = error as? IOError {
            return .unreachable(url: baseURL, cause: String(cString: strerror(error.errnoCode)))
        }
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return classify(first.error)
        }
        return .unreachable(url: baseURL, cause: "\(error)")
    }
}
