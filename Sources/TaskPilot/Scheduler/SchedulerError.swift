/// Why a DTP call got no usable answer. Each names the scheduler's URL and the cause.
public enum SchedulerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Refused, reset or otherwise failed connection: 502.
    case unreachable(url: String, cause: String)
    /// No answer within `scheduler.timeoutMs`: 504.
    case timedOut(url: String, milliseconds: Int)
    /// An answer TaskPilot had to read but could not: 502.
    case unreadable(url: String, cause: String)
    /// The DTP answered with a server error (5xx), which its contract never does: 502.
    case failed(url: String, status: Int)
    /// TaskPilot's own admission queue is full, or the call waited in it too long; the DTP
    /// was not called and is not to blame: 503.
    case saturated(String)

    public var description: String {
        switch self {
        case let .unreachable(url, cause):
            "Scheduler at \(url) is unreachable: \(cause)"
        case let .timedOut(url, milliseconds):
            "Scheduler at \(url) did not answer within \(milliseconds) ms"
        case let .unreadable(url, cause):
            "Scheduler at \(url) gave an unreadable answer: \(cause)"
        case let .failed(url, status):
            "Scheduler at \(url) failed: it answered \(status)"
        case let .saturated(reason):
            "TaskPilot is saturated: \(reason); retry shortly"
        }
    }

    /// The status the DTP answered with, when it answered at all.
    public var httpStatus: Int? {
        if case .failed(_, let status) = self { return status }
        return nil
    }

    var taskPilotError: TaskPilotError {
        switch self {
        case .unreachable, .unreadable, .failed: .badGateway(description)
        case .timedOut: .gatewayTimeout(description)
        case .saturated: .unavailable(description, retryAfterSeconds: 1)
        }
    }
}
