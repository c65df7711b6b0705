import NIOConcurrencyHelpers
import Synchronization

/// What TaskPilot last heard from the DTP, for readiness: reachable when its last call got an
/// answer, unreachable when it got none, unknown before the first call. It is reported, never
/// a reason to turn unready: work that needs no DTP goes on while it is away.
final class SchedulerReachability: Sendable {
    enum Status: Int, Sendable {
        case unknown
        case reachable
        case unreachable

        var name: String {
            switch self {
            case .unknown: "unknown"
            case .reachable: "reachable"
            case .unreachable: "unreachable"
            }
        }
    }

    struct Report: Sendable {
        var status = Status.unknown
        /// The last failure and when it happened (ISO-8601), kept after the DTP is back.
        var lastError: String?
        var lastErrorAt: String?
    }

    /// Read and written on every DTP call: an atomic, so that answers take no lock.
    private let status = Atomic<Int>(Status.unknown.rawValue)
    private let lastFailure = NIOLockedValueBox<(error: String, at: String)?>(nil)

    var report: Report {
        let failure = lastFailure.withLockedValue { $0 }
        return Report(status: Status(rawValue: status.load(ordering: .relaxed)) ?? .unknown, lastError: failure?.error, lastErrorAt: failure?.at)
    }

    func answered() {
        if status.load(ordering: .relaxed) != Status.reachable.rawValue {
            status.store(Status.reachable.rawValue, ordering: .relaxed)
        }
    }

    /// A call that failed: with no answer, or (`answered`) with a 5xx.
    func failed(_ error: String, answered: Bool) {
        lastFailure.withLockedValue { $0 = (error, ExecutionObservation.now()) }
        status.store((answered ? Status.reachable : Status.unreachable).rawValue, ordering: .relaxed)
    }
}
