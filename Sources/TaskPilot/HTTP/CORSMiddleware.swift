import HTTPTypes
import Hummingbird

/// CORS for the web frontends in `http.corsOrigins`: preflights from an allowed origin are
/// answered here, its other requests get the CORS headers, and any other origin gets none
/// (so the browser keeps the answer from it).
struct AllowListCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: Set<String>

    static var allowedMethods: String { "GET, POST, PUT, OPTIONS" }
    static var allowedHeaders: String { "Authorization, Content-Type, Idempotency-Key, Last-Event-ID, X-Request-Id, traceparent, tracestate" }
    static var exposedHeaders: String { "TaskPilot-Source, TaskPilot-Upstream-Duration, X-Request-Id, Location, Idempotent-Replayed, Retry-After" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            return Response(status: .noContent, headers: [
                .accessControlAllowOrigin: origin,
                .accessControlAllowMethods: Self.allowedMethods,
                .accessControlAllowHeaders: Self.allowedHeaders,
                .accessControlMaxAge: "600",
                .vary: "Origin",
            ])
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        response.headers[.vary] = "Origin"
        return response
    }
}
