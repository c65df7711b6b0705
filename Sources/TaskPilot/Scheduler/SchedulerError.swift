import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

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

extension SchedulerError {
    /// A failure below HTTP (a refused or reset connection, bytes that are not HTTP) as the
    /// error that names the scheduler. None may escape as it is: Hummingbird would answer an
    /// `HTTPParserError` with 400, as if the client's request were at fault.
    static func transportFailure(_ error: any Error, url: String, timeoutMilliseconds: Int) -> SchedulerError {
        if let error = error as? SchedulerError {
            return error
        }
        if error is HTTPParserError {
            return .unreadable(url: url, cause: "the answer is not valid HTTP (\(error))")
        }
        if let error = error as? IOError {
            return .unreachable(url: url, cause: String(cString: strerror(error.errnoCode)))
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return .timedOut(url: url, milliseconds: timeoutMilliseconds)
        }
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return transportFailure(first.error, url: url, timeoutMilliseconds: timeoutMilliseconds)
        }
        return .unreachable(url: url, cause: "\(error)")
    }
}
