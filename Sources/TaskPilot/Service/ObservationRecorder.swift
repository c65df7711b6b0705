import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// Turns the DTP's 200 TaskResponses into stored observations without delaying the answers
/// they came with.
///
/// A query's answer goes back to the client at once; the recorder keeps the observation and a
/// background loop stores what has gathered in one write (several answers about one task
/// coalesce into the latest). Most answers repeat the last one: a fingerprint of the body bytes
/// per task spares those the parse and the write.
public final class ObservationRecorder: Service, Sendable {
    private struct State {
        var pending: [Int64: ObservedExecution] = [:]
        var wake: CheckedContinuation<Void, Never>?
        var stopped = false
    }

    private let repository: any ExecutionObservationRepository
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    private let seen: FingerprintCache
    /// Each closure in a struct, as `ChangeSignal` explains.
    private struct Listener {
        let call: @Sendable (WatchTarget) -> Void
    }

    private let listeners = NIOLockedValueBox<[Listener]>([])

    public init(repository: any ExecutionObservationRepository, logger: Logger, cacheSlots: Int = 1 << 16) {
        self.repository = repository
        self.logger = logger
        seen = FingerprintCache(slots: cacheSlots)
    }

    /// Calls `listener` with every new binding and every observation that says something new.
    func onObservation(_ listener: @escaping @Sendable (WatchTarget) -> Void) {
        listeners.withLockedValue { $0.append(Listener(call: listener)) }
    }

    /// Keeps a 200 TaskResponse to store; answers the observation when it says something new.
    @discardableResult
    func record(_ answer: SchedulerAnswer, webTaskId: Int64, schedulerTaskId: Int64, source: ObservationSource) -> ExecutionObservation? {
        guard let item = heard(answer, webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, source: source) else { return nil }
        announce(WatchTarget(webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, status: item.observation.status))
        enqueue(item)
        return item.observation
    }

    /// Keeps a DTP 404 for a bound task: the DTP lost it.
    func recordLost(webTaskId: Int64, schedulerTaskId: Int64, source: ObservationSource) {
        guard seen.update(webTaskId, Self.lostFingerprint) else { return }
        let item = ObservedExecution(
            webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, observation: .lost(observedAt: ExecutionObservation.now()), source: source
        )
        announce(WatchTarget(webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, status: item.observation.status))
        enqueue(item)
    }

    /// Reads a TaskResponse (a 200, or a create's 201) that the caller stores in a write of its
    /// own (bind, cancel); nil when it is not one or says nothing new.
    func heard(_ answer: SchedulerAnswer, webTaskId: Int64, schedulerTaskId: Int64, source: ObservationSource) -> ObservedExecution? {
        guard answer.status == 200 || answer.status == 201, seen.update(webTaskId, Self.fingerprint(answer.body)),
              let observation = ExecutionObservation(taskResponse: answer.body, schedulerTaskId: schedulerTaskId, observedAt: ExecutionObservation.now())
        else { return nil }
        return ObservedExecution(webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, observation: observation, source: source)
    }

    /// Tells the listeners of a binding or observation that the caller has stored.
    func announce(_ target: WatchTarget) {
        for listener in listeners.withLockedValue({ $0 }) {
            listener.call(target)
        }
    }

    private func enqueue(_ item: ObservedExecution) {
        let wake = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.pending[item.webTaskId] = item
            defer { state.wake = nil }
            return state.wake
        }
        wake?.resume()
    }

    /// Stores what gathers until graceful shutdown (or cancellation), then what is left.
    public func run() async {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                while let batch = await nextBatch() {
                    await store(batch)
                }
            } onCancel: {
                self.stop()
            }
        } onGracefulShutdown: {
            self.stop()
        }
        if let rest = takePending() {
            await store(rest)
        }
    }

    private func stop() {
        let wake = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.stopped = true
            defer { state.wake = nil }
            return state.wake
        }
        wake?.resume()
    }

    /// Waits for observations; nil once stopped.
    private func nextBatch() async -> [ObservedExecution]? {
        while true {
            if state.withLockedValue({ $0.stopped }) { return nil }
            if let batch = takePending() { return batch }
            await withCheckedContinuation { continuation in
                let ready = state.withLockedValue { state -> Bool in
                    guard state.pending.isEmpty, !state.stopped else { return true }
                    state.wake = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    private func takePending() -> [ObservedExecution]? {
        state.withLockedValue { state in
            guard !state.pending.isEmpty else { return nil }
            defer { state.pending.removeAll(keepingCapacity: true) }
            return Array(state.pending.values)
        }
    }

    private func store(_ batch: [ObservedExecution]) async {
        do {
            _ = try await repository.record(batch)
        } catch {
            // An observation is a copy of what the DTP keeps; the next answer brings it again.
            seen.forget(batch.map(\.webTaskId))
            logger.warning("could not store observations", metadata: ["count": "\(batch.count)", "error": "\(error)"])
        }
    }

    private static let lostFingerprint = 404

    static func fingerprint(_ body: ByteBuffer) -> Int {
        var hasher = Hasher()
        body.withUnsafeReadableBytes { hasher.combine(bytes: $0) }
        return hasher.finalize()
    }
}
