import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Keeps observations of executions fresh without hammering the DTP.
///
/// It asks `GET /tasks/{id}` about bound executions never observed or last seen in a status
/// that can still change. An execution is asked about `minInterval` after it changed, the
/// interval doubling while nothing changes up to `maxInterval`, each time with jitter; a final
/// status (or a DTP 404) ends the watch. All polls together stay under `maxPerSecond` and
/// `maxInFlight`, on a gateway of their own so that user requests never queue behind them.
/// When the DTP fails, the watcher pauses as a whole, longer each time, until it answers again.
public final class ExecutionWatcher: Service, Sendable {
    public struct Settings: Sendable {
        public var minInterval: Duration
        public var maxInterval: Duration
        public var maxInFlight: Int
        public var maxPerSecond: Int

        public init(minInterval: Duration, maxInterval: Duration, maxInFlight: Int, maxPerSecond: Int) {
            self.minInterval = minInterval
            self.maxInterval = maxInterval
            self.maxInFlight = maxInFlight
            self.maxPerSecond = maxPerSecond
        }
    }

    private struct State {
        var schedule = WatchSchedule()
        var inFlight = 0
        /// Calls the rate allows right now; refilled at `maxPerSecond`, capped at a tenth of a second's worth.
        var tokens = 1.0
        var refilledAt = ContinuousClock.now
        var pausedUntil: ContinuousClock.Instant?
        var pause: Duration?
    }

    private let gateway: any SchedulerGateway
    private let repository: any ExecutionObservationRepository
    private let recorder: ObservationRecorder
    private let settings: Settings
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    /// The longest the loop sleeps: how soon it sees a newly watched execution.
    private let longestSleep = Duration.milliseconds(100)

    public init(
        gateway: any SchedulerGateway, repository: any ExecutionObservationRepository, recorder: ObservationRecorder,
        settings: Settings, logger: Logger
    ) {
        self.gateway = gateway
        self.repository = repository
        self.recorder = recorder
        self.settings = settings
        self.logger = logger
        recorder.onObservation { [weak self] item in self?.observed(item) }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            guard let watching = await self.loadUnfinished() else { return }
            self.logger.debug("watcher started", metadata: ["watching": "\(watching)"])
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    while let next = self.nextPoll() {
                        group.addTask { await self.poll(next.webTaskId, next.entry) }
                    }
                    guard (try? await Task.sleep(for: self.sleepTime())) != nil else { return }
                }
            }
        }
    }

    /// Reads the bound executions to watch again, adding those bound elsewhere (another
    /// replica) since the last read; answers how many were read, or nil on a failed read.
    @discardableResult
    public func rescan() async -> Int? {
        await loadUnfinished()
    }

    /// Reads what to watch in slices of 1,000 bindings (about half a millisecond each), so that
    /// reads of user requests get the reader between them even when a million bindings hold
    /// only finished executions; answers how many, or nil when the database cannot be read.
    private func loadUnfinished() async -> Int? {
        var after: Int64 = 0
        var count = 0
        while !Task.isCancelled {
            let targets: [WatchTarget]
            let through: Int64?
            do {
                (targets, through) = try await repository.unfinished(after: after, slice: 1000)
            } catch {
                // Cancelled, the application is stopping (or failed to start) and may have
                // closed the database under the read: nothing to report.
                if !Task.isCancelled {
                    logger.error("watcher cannot read bound executions; not watching", metadata: ["error": "\(error)"])
                }
                return nil
            }
            let now = ContinuousClock.now
            state.withLockedValue { state in
                for target in targets where state.schedule.entries[target.webTaskId] == nil {
                    // Spread over the first interval, so that a restart does not ask about all at once.
                    state.schedule.schedule(
                        target.webTaskId, schedulerTaskId: target.schedulerTaskId, interval: settings.minInterval,
                        at: now + settings.minInterval * Double.random(in: 0..<1)
                    )
                }
            }
            count += targets.count
            guard let through else { break }
            after = through
        }
        return count
    }

    /// A new binding, or an observation that says something new from any source: a final status
    /// ends the watch; any other (re)starts it at the shortest interval.
    func observed(_ item: WatchTarget) {
        state.withLockedValue { state in
            if let status = item.status, ExecutionObservation.finalStatuses.contains(status) {
                state.schedule.remove(item.webTaskId)
            } else {
                state.schedule.schedule(
                    item.webTaskId, schedulerTaskId: item.schedulerTaskId, interval: settings.minInterval,
                    at: .now + jittered(settings.minInterval)
                )
            }
        }
    }

    /// See `WatchSchedule.backlog`.
    var backlog: (watching: Int, overdue: Int, oldestUnheard: Duration) {
        state.withLockedValue { $0.schedule.backlog(now: .now) }
    }

    /// Until the next poll is due, within 5 ms to `longestSleep`.
    private func sleepTime() -> Duration {
        state.withLockedValue { state in
            guard let due = state.schedule.nextDue() else { return longestSleep }
            return min(max(due - .now, .milliseconds(5)), longestSleep)
        }
    }

    /// The next due poll the limits allow, counted in flight.
    private func nextPoll() -> (webTaskId: Int64, entry: WatchSchedule.Entry)? {
        state.withLockedValue { state in
            let now = ContinuousClock.now
            if let until = state.pausedUntil, now < until { return nil }
            let rate = Double(settings.maxPerSecond)
            let elapsed = now - state.refilledAt
            state.tokens = min(max(1, rate / 10), state.tokens + rate * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
            state.refilledAt = now
            guard state.inFlight < settings.maxInFlight, state.tokens >= 1, let due = state.schedule.takeDue(now: now) else { return nil }
            state.tokens -= 1
            state.inFlight += 1
            // While the DTP is failing, one call at a time finds out whether it is back.
            if state.pause != nil { state.pausedUntil = .now + settings.maxInterval }
            return due
        }
    }

    private func poll(_ webTaskId: Int64, _ entry: WatchSchedule.Entry) async {
        let answer: SchedulerAnswer
        do {
            answer = try await gateway.getTask(id: entry.schedulerTaskId)
        } catch {
            failed(webTaskId, entry, error)
            return
        }
        let changed: Bool
        switch answer.status {
        case 200:
            changed = recorder.record(answer, webTaskId: webTaskId, schedulerTaskId: entry.schedulerTaskId, source: .watch) != nil
        case 404:
            recorder.recordLost(webTaskId: webTaskId, schedulerTaskId: entry.schedulerTaskId, source: .watch)
            state.withLockedValue { $0.schedule.remove(webTaskId) }
            changed = true
        default:
            changed = false
        }
        state.withLockedValue { state in
            state.inFlight -= 1
            if state.pause != nil {
                logger.info("scheduler answers again; watcher resumes", metadata: ["url": "\(gateway.baseURL)"])
            }
            state.pause = nil
            state.pausedUntil = nil
            // A change was handled by `observed`; an unchanged execution waits twice as long.
            guard !changed, state.schedule.entries[webTaskId]?.generation == entry.generation else { return }
            let interval = min(entry.interval * 2, settings.maxInterval)
            state.schedule.schedule(webTaskId, schedulerTaskId: entry.schedulerTaskId, interval: interval, at: .now + jittered(interval))
        }
    }

    /// The DTP did not answer: pause everything, twice as long as last time, and ask again later.
    private func failed(_ webTaskId: Int64, _ entry: WatchSchedule.Entry, _ error: SchedulerError) {
        let pause = state.withLockedValue { state -> Duration in
            state.inFlight -= 1
            let pause = min((state.pause ?? settings.minInterval / 2) * 2, settings.maxInterval)
            state.pause = pause
            state.pausedUntil = .now + pause
            if state.schedule.entries[webTaskId]?.generation == entry.generation {
                state.schedule.schedule(webTaskId, schedulerTaskId: entry.schedulerTaskId, interval: entry.interval, at: .now + pause, heard: false)
            }
            return pause
        }
        logger.warning("watcher pauses: scheduler call failed", metadata: ["error": "\(error)", "pause": "\(pause)"])
    }

    /// `interval` spread by ±20 %, so that tasks bound together are not polled together forever.
    private func jittered(_ interval: Duration) -> Duration {
        interval * Double.random(in: 0.8...1.2)
    }
}
