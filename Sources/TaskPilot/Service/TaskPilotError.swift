import HTTPTypes

/// The failures TaskPilot itself answers for. Each maps to one HTTP status; the message is
/// what the client reads, so it names the field or the id concerned.
public enum TaskPilotError: Error, Equatable, Sendable {
    /// 400: a bad request body, parameter or field.
    case invalid(String)
    /// 404: no such web task.
    case notFound(String)
    /// 405: a known path asked with a method it does not serve; carries the ones it does.
    case methodNotAllowed(allowed: [String])
    /// 409: the request conflicts with the web task's state.
    case conflict(String)
    /// 415: a body that is not JSON.
    case unsupportedMediaType(String)
    /// 422: a well-formed request that cannot be honoured as sent (an idempotency key reused
    /// with another body).
    case unprocessable(String)
    /// 502: the scheduler could not be reached, reset the connection or answered unreadably.
    case badGateway(String)
    /// 503: too much is in flight to take this on now; try again after the given seconds.
    case unavailable(String, retryAfterSeconds: Int)
    /// 504: the scheduler did not answer in time.
    case gatewayTimeout(String)

    public var status: HTTPResponse.Status {
        switch self {
        case .invalid: .badRequest
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .conflict: .conflict
        case .unsupportedMediaType: .unsupportedMediaType
        case .unprocessable: .unprocessableContent
        case .badGateway: .badGateway
        case .unavailable: .serviceUnavailable
        case .gatewayTimeout: .gatewayTimeout
        }
    }

    public var message: String {
        switch self {
        case .invalid(let message), .notFound(let message), .conflict(let message),
             .unsupportedMediaType(let message), .unprocessable(let message),
             .badGateway(let message), .gatewayTimeout(let message), .unavailable(let message, _):
            message
        case .methodNotAllowed(let allowed):
            "This path accepts only \(allowed.joined(separator: ", "))"
        }
    }

    /// Headers the answer must carry: `Allow` on a 405, `Retry-After` on a 503.
    public var headers: HTTPFields {
        switch self {
        case .methodNotAllowed(let allowed): [.allow: allowed.joined(separator: ", ")]
        case .unavailable(_, let seconds): [.retryAfter: String(seconds)]
        default: [:]
        }
    }

    static func taskNotFound(_ id: Int64) -> TaskPilotError {
        .notFound("Task \(id) not found")
    }
}
