import Hummingbird

/// When API tokens are configured, every route but the probes (`/api/health`, `/api/ready`),
/// the console's files (`/`, `/console/…`: they hold no data, and the console asks for the token
/// the API needs) and, when `metrics.public`, `/metrics` needs `Authorization: Bearer <token>`;
/// anything else is a 401 with `WWW-Authenticate: Bearer`.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: [[UInt8]]
    let openPaths: Set<String>

    init(tokens: [String], metricsPublic: Bool) {
        self.tokens = tokens.map { Array($0.utf8) }
        self.openPaths = metricsPublic ? ["/", "/api/health", "/api/ready", "/metrics"] : ["/", "/api/health", "/api/ready"]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard !tokens.isEmpty, !openPaths.contains(path), !path.hasPrefix("/console/") else {
            return try await next(request, context)
        }
        guard let presented = Self.bearerToken(request.headers[.authorization]), isKnown(presented) else {
            let message = request.headers[.authorization] == nil ? "Authorization: Bearer <token> is required" : "The bearer token is not valid"
            return JSONResponse.error(.unauthorized, message: message, path: request.uri.path, headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }

    static func bearerToken(_ header: String?) -> [UInt8]? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        return Array(header.dropFirst(7).trimmingPrefix(" ").utf8)
    }

    /// Compares against every token, each in time that depends only on the lengths, so the
    /// answer's timing does not tell an attacker how much of a guess was right.
    private func isKnown(_ presented: [UInt8]) -> Bool {
        var found = false
        for token in tokens {
            found = Self.constantTimeEqual(token, presented) || found
        }
        return found
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
