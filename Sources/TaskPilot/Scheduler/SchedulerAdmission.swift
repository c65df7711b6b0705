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
    private let state = NIOLockedValueBox(State())
    /// Every waiting call has the same timeout, so the queue is also in deadline order and one
    /// periodic sweep of its head expires them all; a timer per call cost a cross-thread
    /// schedule and cancel for every queued request.
    private let sweeper: NIOLockedValueBox<RepeatedTask?> = NIOLockedValueBox(nil)

    private struct State {
        var inFlight = 0
        var nextTicket: UInt64 = 0
        var waiting = CircularBuffer<Waiter>()
    }

    private struct Waiter {
        let ticket: UInt64
        let deadline: NIODeadline
        let continuation: CheckedContinuation<Void, any Error>
    }

    init(maxInFlight: Int, maxQueued: Int, queueTimeout: TimeAmount, timers: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()) {
        self.maxInFlight = maxInFlight
        self.maxQueued = maxQueued
        self.queueTimeout = queueTimeout
        // Expiry is exact to a tenth of the timeout, at most 50 ms late.
        let interval = TimeAmount.nanoseconds(max(1_000_000, min(queueTimeout.nanoseconds / 10, 50_000_000)))
        sweeper.withLockedValue {
            $0 = timers.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
                self?.expireWaits()
            }
        }
    }

    deinit {
        sweeper.withLockedValue { $0?.cancel() }
    }

    /// Calls in flight and calls waiting, for the metrics.
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
        case full
        case wait(ticket: UInt64)
    }

    private func acquire() async throws(SchedulerError) {
        let entry = state.withLockedValue { state -> Entry in
            if state.inFlight < maxInFlight {
                state.inFlight += 1
                return .admitted
            }
            guard state.waiting.count < maxQueued else { return .full }
            state.nextTicket += 1
            return .wait(ticket: state.nextTicket)
        }
        let ticket: UInt64
        switch entry {
        case .admitted:
            return
        case .full:
            throw .saturated("\(maxInFlight) scheduler calls are in flight and \(maxQueued) are waiting")
        case .wait(let waiting):
            ticket = waiting
        }
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    enqueue(Waiter(ticket: ticket, deadline: .now() + queueTimeout, continuation: continuation))
                }
            } onCancel: {
                abandon(ticket)
            }
        } catch let error as SchedulerError {
            throw error
        } catch {
            throw .saturated("the request was cancelled while waiting for a place in flight")
        }
    }

    private func enqueue(_ waiter: Waiter) {
        let admittedMeanwhile = state.withLockedValue { state -> Bool in
            // A place may have come free between the first look and now.
            if state.inFlight < maxInFlight {
                state.inFlight += 1
                return true
            }
            state.waiting.append(waiter)
            return false
        }
        if admittedMeanwhile {
            waiter.continuation.resume()
        }
    }

    /// Hands the place to the oldest waiting call, or frees it.
    private func release() {
        let next = state.withLockedValue { state -> Waiter? in
            if let next = state.waiting.popFirst() {
                return next
            }
            state.inFlight -= 1
            return nil
        }
        next?.continuation.resume()
    }

    /// Fails the calls at the head of the queue whose wait is over.
    private func expireWaits() {
        let now = NIODeadline.now()
        let expired = state.withLockedValue { state -> [Waiter] in
            var expired: [Waiter] = []
            while let first = state.waiting.first, first.deadline <= now {
                expired.append(state.waiting.removeFirst())
            }
            return expired
        }
        let milliseconds = queueTimeout.nanoseconds / 1_000_000
        for waiter in expired {
            waiter.continuation.resume(throwing: SchedulerError.saturated(
                "a scheduler call waited \(milliseconds) ms for one of \(maxInFlight) places in flight"
            ))
        }
    }

    /// Fails a waiting call whose task was cancelled; one already admitted is left alone.
    private func abandon(_ ticket: UInt64) {
        let waiter = state.withLockedValue { state -> Waiter? in
            guard let index = state.waiting.firstIndex(where: { $0.ticket == ticket }) else { return nil }
            return state.waiting.remove(at: index)
        }
        waiter?.continuation.resume(throwing: CancellationError())
    }
}
