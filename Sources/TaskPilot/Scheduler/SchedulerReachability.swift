import NIOConcurrencyHelpers

/// What TaskPilot last heard from the DTP, for readiness: reachable when its last call got an
/// answer, unreachable when it got none, unknown before the first call. It is reported, never
/// a reason to turn unready: work that needs no DTP goes on while it is away.
final class SchedulerReachability: Sendable {
    enum Status: String, Sendable {
        case unknown
        case reachable
        case unreachable
    }

    struct Report: Sendable {
        var status = Status.unknown
        /// The last failure and when it happened (ISO-8601), kept after the DTP is back.
        var lastError: String?
        var lastErrorAt: String?
    }

    private let state = NIOLockedValueBox(Report())

    var report: Report { state.withLockedValue { $0 } }

    func answered() {
        state.withLockedValue { report in
            if report.status != .reachable { report.status = .reachable }
        }
    }

    /// A call that failed: with no answer, or (`answered`) with a 5xx.
    func failed(_ error: String, answered: Bool) {
        let at = ExecutionObservation.now()
        state.withLockedValue { report in
            report.status = answered ? .reachable : .unreachable
            report.lastError = error
            report.lastErrorAt = at
        }
    }
}
