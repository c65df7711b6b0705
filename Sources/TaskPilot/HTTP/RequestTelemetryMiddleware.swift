import HTTPTypes
import Hummingbird
import Logging
import ServiceContextModule

/// The outermost middleware: gives each request its id and trace context, answers with
/// `X-Request-Id` (and `Connection: close` when the connection closes after it), counts and times the request by
/// route template, and writes one access line at `info`.
///
/// Hummingbird's `MetricsMiddleware`, `TracingMiddleware` and `LogRequestsMiddleware` each fall
/// short here: the first reports to the process-wide `MetricsSystem` without the status on its
/// timer, the second needs a bootstrapped tracer to carry anything, and the third logs before
/// the answer, without its status, duration or size. One middleware also reads the clock once
/// for all three.
struct RequestTelemetryMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: TaskPilotMetrics
    /// The application's handler when it is TaskPilot's, which writes the access line
    /// straight away (the access line is most of what is logged); any other (a test's) gets it
    /// through swift-log. Looked up once: the context's logger is the application's.
    private let accessLog: TaskPilotLogHandler?
    private let propagator = TraceContextPropagator()

    init(metrics: TaskPilotMetrics, logger: Logger) {
        self.metrics = metrics
        self.accessLog = logger.handler as? TaskPilotLogHandler
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var serviceContext = ServiceContext.current ?? .topLevel
        propagator.extract(request.headers, into: &serviceContext, using: HTTPFieldsExtractor())
        let requestId = serviceContext.requestTrace?.requestId ?? ""
        // The request id reaches log lines through the access line's fields and, for the few
        // lines logged about a request, `RequestTrace.current`: setting it in the context's
        // logger copied the logger and its metadata on every request (six allocations of about
        // sixty, with the read-through's DTP call).
        var response = try await ServiceContext.withValue(serviceContext) {
            try await next(request, context)
        }
        response.headers[.requestId] = requestId
        if request.headers[.connection]?.lowercased() == "close" {
            // The connection closes after this answer (asked for, or NonPersistentConnectionCloser
            // marked the request while draining); say so.
            response.headers[.connection] = "close"
        }
        // Hummingbird names the route of an unmatched path "NotFound".
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
        let logger = context.logger
        let accessLog = accessLog
        let metrics = metrics
        let method = request.method.rawValue
        let path = request.uri.path
        let status = response.status.code
        let finish: @Sendable (Int) -> Void = { bytes in
            let duration = ContinuousClock.now - started
            metrics.recordRequest(route: route, method: method, status: status, duration: duration)
            guard logger.logLevel <= .info else { return }
            let access = AccessLine(method: method, path: path, route: route, status: status, duration: duration, bytes: bytes, requestId: requestId)
            if let accessLog {
                accessLog.logAccess(access)
            } else {
                logger.info(
                    "\(access.message)", metadata: Logger.Metadata(uniqueKeysWithValues: access.fields.map { ($0.key, .string($0.value)) }),
                    source: AccessLine.source
                )
            }
        }
        if let length = response.body.contentLength {
            finish(request.method == .head ? 0 : length)
            return response
        }
        // A stream's size and length are known only once it ends.
        let body = response.body
        response.body = ResponseBody { writer in
            let count = ByteCount()
            do {
                try await body.write(CountingBodyWriter(base: writer, count: count))
            } catch {
                finish(count.value)
                throw error
            }
            finish(count.value)
        }
        return response
    }
}

/// Passes a streamed body through, counting its bytes for the access line.
private struct CountingBodyWriter: ResponseBodyWriter {
    var base: any ResponseBodyWriter
    let count: ByteCount

    mutating func write(_ buffer: ByteBuffer) async throws {
        count.value += buffer.readableBytes
        try await base.write(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await base.finish(trailingHeaders)
    }
}

private final class ByteCount: @unchecked Sendable {
    // Written by the one task that writes the body, read after it finished.
    var value = 0
}

extension HTTPField.Name {
    static let requestId = Self("X-Request-Id")!
}
