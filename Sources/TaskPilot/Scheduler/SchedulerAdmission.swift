import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Admits DTP calls: at most `maxInFlight` at once; the rest wait first come, first served,
/// in a queue of at most `maxQueued`, each for at most `queueTimeout`.
///
/// The gateway keeps exactly `maxInFlight` connections, so an admitted call never waits for a
/// connection and its `scheduler.timeoutMs` starts only once it is admitted: a 504 then means
/// the DTP itself was slow. A full queue or an expired wait is TaskPilot's own saturation.
final class SchedulerAdmission: Sendable {
    let maxInFlight: Int
    let maxQueued: Int
    let queueTimeout: TimeAmount
    private let state: NIOLockedValueBox<State>
    /// Fires the queue timeouts; a timer per waiting call costs nothing while nobody waits.
    private let timers: any EventLoop

    private struct State {
        var inFlight = 0
        var nextTicket: UInt64 = 0
        var waiting: [UInt64: Waiter] = [:]
        /// Tickets in arrival order; those of calls that stopped waiting are skipped on release.
        var order = CircularBuffer<UInt64>()
    }

    private struct Waiter {
        let continuation: CheckedContinuation<Void, any Error>
        var timer: Scheduled<Void>?
    }

    init(maxInFlight: Int, maxQueued: Int, queueTimeout: TimeAmount, timers: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()) {
        self.maxInFlight = maxInFlight
        self.maxQueued = maxQueued
        self.queueTimeout = queueTimeout
        self.timers = timers
        self.state = NIOLockedValueBox(State())
    }

    /// Calls in flight and calls waiting, for tests and diagnostics.
    var load: (inFlight: Int, queued: Int) {
        state.withLockedValue { ($0.inFlight, $0.waiting.count) }
    }

    /// Runs `call` once admitted; throws `SchedulerError.saturated` when it cannot be.
    func run<T>(_ call: () async throws(SchedulerError) -> T) async throws(SchedulerError) -> T {
        try await acquire()
        defer { release() }
        return try await call()
    }

    private enum Entry {
        case admitted
        case rejected(SchedulerError)
        case wait(ticket: UInt64)
    }

    private func acquire() async throws(SchedulerError) {
        let entry: Entry = state.withLockedValue { state in
            if state.inFlight < maxInFlight {
                state.inFlight += 1
                return .admitted
            }
            guard state.waiting.count < maxQueued else {
                return .rejected(.saturated("\(maxInFlight) scheduler calls are in flight and \(maxQueued) are waiting"))
            }
            state.nextTicket += 1
            return .wait(ticket: state.nextTicket)
        }
        switch entry {
        case .admitted:
            return
        case .rejected(let error):
            throw error
        case .wait(let ticket):
            do {
                try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { continuation in
                        enqueue(ticket, continuation)
                    }
                } onCancel: {
                    abandon(ticket, with: CancellationError())
                }
            } catch let error as SchedulerError {
                throw error
            } catch {
                throw .saturated("the request was cancelled while waiting for a place in flight")
            }
        }
    }

    private func enqueue(_ ticket: UInt64, _ continuation: CheckedContinuation<Void, any Error>) {
        let admittedMeanwhile = state.withLockedValue { state -> Bool in
            // A place may have come free between the first look and now.
            if state.inFlight < maxInFlight {
                state.inFlight += 1
                return true
            }
            state.waiting[ticket] = Waiter(continuation: continuation)
            state.order.append(ticket)
            return false
        }
        if admittedMeanwhile {
            continuation.resume()
            return
        }
        // Armed only once the call is in the queue, so that even a timer that fires at once finds it.
        let timer = timers.scheduleTask(in: queueTimeout) { [self] in
            abandon(ticket, with: SchedulerError.saturated(
                "a scheduler call waited \(queueTimeout.nanoseconds / 1_000_000) ms for one of \(maxInFlight) places in flight"
            ))
        }
        let stillWaiting = state.withLockedValue { state -> Bool in
            guard state.waiting[ticket] != nil else { return false }
            state.waiting[ticket]?.timer = timer
            return true
        }
        if !stillWaiting {
            timer.cancel()
        }
    }

    /// Removes a waiting call (timed out or cancelled) and fails it; a call already admitted
    /// is left alone.
    private func abandon(_ ticket: UInt64, with error: any Error) {
        let waiter = state.withLockedValue { $0.waiting.removeValue(forKey: ticket) }
        guard let waiter else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume(throwing: error)
    }

    /// Hands the place to the oldest waiting call, or frees it.
    private func release() {
        let next = state.withLockedValue { state -> Waiter? in
            while let ticket = state.order.popFirst() {
                if let waiter = state.waiting.removeValue(forKey: ticket) {
                    return waiter
                }
            }
            state.inFlight -= 1
            return nil
        }
        guard let next else { return }
        next.timer?.cancel()
        next.continuation.resume()
    }
}
