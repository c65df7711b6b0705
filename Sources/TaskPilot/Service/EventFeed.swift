import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// The change feed behind `GET /api/events`.
///
/// The events table is the truth; this keeps the newest events in memory so that a thousand
/// streams following the feed cost one database read per commit, not one each. A commit that
/// appended events wakes it (`ChangeSignal`); it reads them once, in id order, and wakes every
/// waiting stream. A stream further behind than memory reaches reads from the database.
/// Each event is framed for the wire once, when it is read, and every stream writes those same
/// bytes (`FramedEvent`).
public final class EventFeed: Service, Sendable {
    /// What a stream gets next: the frames of the events after its cursor (only its task's, when
    /// it follows one), the cursor to go on from, or `reset` when it cannot be brought up to date
    /// event by event.
    struct Batch: Sendable {
        var frames = ByteBuffer()
        var cursor: Int64
        var reset = false
        /// Nothing came within the heartbeat interval.
        var idle = false
    }

    fileprivate struct Waiter {
        let continuation: CheckedContinuation<Void, Never>
        let deadline: ContinuousClock.Instant
    }

    fileprivate struct State {
        /// Every event with an id above `floor` and up to `head`, oldest first.
        var recent: [FramedEvent] = []
        var floor: Int64 = 0
        var head: Int64 = 0
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
        var subscribers = 0
        var stopped = false
        /// The last batch made for a stream following every task: the streams woken by the same
        /// commit ask for the same events, and write these same bytes rather than a copy each.
        var shared: (after: Int64, batch: Batch)?
    }

    private let repository: any TaskEventRepository
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    private let signal: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation)
    let maxSubscribers: Int
    let heartbeat: Duration
    /// Events kept in memory: at 500 changes a second, two seconds of them; a stream further
    /// behind reads from the database.
    private let capacity = 1024
    static let pageLimit = 500
    /// The shortest time between two reads of new events, each waking the waiting streams.
    static let batchWindow = Duration.milliseconds(20)

    public init(repository: any TaskEventRepository, changes: ChangeSignal, maxSubscribers: Int, heartbeat: Duration, logger: Logger) async throws {
        self.repository = repository
        self.logger = logger
        self.maxSubscribers = maxSubscribers
        self.heartbeat = heartbeat
        signal = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        let head = try await repository.bounds().lastGiven
        state.withLockedValue { state in
            state.head = head
            state.floor = head
        }
        changes.onChange { [signal] in signal.continuation.yield() }
    }

    /// Reads committed events as commits announce them, and wakes streams whose heartbeat is due,
    /// until graceful shutdown.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await _ in self.signal.stream {
                        await self.readNewEvents()
                        // What commits meanwhile is read and sent in one go: a thousand streams
                        // woken for every commit would spend the CPU on wake-ups, not on events.
                        guard (try? await Task.sleep(for: Self.batchWindow)) != nil else { return }
                    }
                }
                group.addTask {
                    while !self.isStopped {
                        guard (try? await Task.sleep(for: .milliseconds(250))) != nil else { return }
                        self.wakeDueWaiters()
                    }
                }
            }
        } onGracefulShutdown: {
            self.stop()
        }
    }

    /// Ends every stream and the feed's own loops.
    public func stop() {
        let waiters = state.withLockedValue { state -> [Waiter] in
            state.stopped = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.continuation.resume() }
        signal.continuation.finish()
    }

    var isStopped: Bool { state.withLockedValue { $0.stopped } }

    /// Streams open now, and the newest event id read, for the metrics.
    var load: (subscribers: Int, head: Int64) {
        state.withLockedValue { ($0.subscribers, $0.head) }
    }

    /// Takes a place for one stream, or refuses with a 503 when `maxSubscribers` streams are open.
    func subscribe() throws(TaskPilotError) {
        let admitted = state.withLockedValue { state in
            guard state.subscribers < maxSubscribers else { return false }
            state.subscribers += 1
            return true
        }
        guard admitted else {
            throw .unavailable("TaskPilot is serving its limit of \(maxSubscribers) event streams; retry shortly", retryAfterSeconds: 1)
        }
    }

    func unsubscribe() {
        state.withLockedValue { $0.subscribers -= 1 }
    }

    /// Where a stream starts: after `requested` when it can resume from there, else (nothing
    /// asked, or events after it pruned, or an id never given) at the newest event.
    func start(after requested: Int64?) async throws -> Batch {
        let head = state.withLockedValue { $0.head }
        let bounds = try await repository.bounds()
        // The newest event committed, which memory may not have read yet (another replica's, or
        // a commit whose signal is on its way): a stream opened after a change starts after it.
        guard let requested else { return Batch(cursor: max(head, bounds.lastGiven)) }
        guard !bounds.cannotResume(after: requested) else {
            return Batch(cursor: max(head, bounds.lastGiven), reset: true)
        }
        return Batch(cursor: requested)
    }

    /// The next events after `cursor`, waiting up to the heartbeat interval for them; nil once
    /// the feed has stopped. An empty batch means the heartbeat is due.
    func next(after cursor: Int64, webTaskId: Int64?) async throws -> Batch? {
        let deadline = ContinuousClock.now + heartbeat
        while true {
            switch state.withLockedValue({ $0.find(after: cursor, shared: webTaskId == nil, pageLimit: Self.pageLimit) }) {
            case .stopped:
                return nil
            case .shared(let batch):
                return batch
            case .inMemory(let events):
                let next = events.last?.id ?? cursor
                guard let webTaskId else {
                    let batch = Batch(frames: FramedEvent.frames(of: events), cursor: next)
                    state.withLockedValue { $0.shared = (cursor, batch) }
                    return batch
                }
                return Batch(frames: FramedEvent.frames(of: events.lazy.filter { $0.webTaskId == webTaskId }), cursor: next)
            case .behind:
                return try await readBehind(after: cursor, webTaskId: webTaskId)
            case .caughtUp:
                guard ContinuousClock.now < deadline else { return Batch(cursor: cursor, idle: true) }
                await waitForEvents(after: cursor, until: deadline)
            }
        }
    }

    /// A page for clients that cannot stream.
    func page(after requested: Int64?, webTaskId: Int64?, limit: Int) async throws -> TaskEventPage {
        let after = requested ?? 0
        if requested != nil {
            let bounds = try await repository.bounds()
            if bounds.cannotResume(after: after) {
                return TaskEventPage(items: [], nextAfter: bounds.lastGiven, reset: true)
            }
        }
        let events = try await repository.events(after: after, webTaskId: webTaskId, limit: limit)
        return TaskEventPage(items: events, nextAfter: events.last?.id ?? after, reset: false)
    }

    /// A stream further behind than memory: from the database, as a page would be.
    private func readBehind(after cursor: Int64, webTaskId: Int64?) async throws -> Batch {
        let bounds = try await repository.bounds()
        guard !bounds.cannotResume(after: cursor) else {
            return Batch(cursor: bounds.lastGiven, reset: true)
        }
        let events = try await repository.events(after: cursor, webTaskId: webTaskId, limit: Self.pageLimit)
        // A page of one task's events that is not full has seen every event up to the last id given.
        let next = events.count == Self.pageLimit || webTaskId == nil ? events.last?.id ?? cursor : max(events.last?.id ?? cursor, bounds.lastGiven)
        return Batch(frames: FramedEvent.frames(of: FramedEvent.frame(events)), cursor: next)
    }

    private func readNewEvents() async {
        while true {
            let head = state.withLockedValue { $0.head }
            let events: [TaskEvent]
            do {
                events = try await repository.events(after: head, webTaskId: nil, limit: 1000)
            } catch {
                logger.warning("could not read new events", metadata: ["error": "\(error)"])
                return
            }
            guard !events.isEmpty else { return }
            let framed = FramedEvent.frame(events)
            let waiters = state.withLockedValue { state -> [Waiter] in
                state.recent.append(contentsOf: framed)
                state.head = events[events.count - 1].id
                if state.recent.count > 2 * capacity {
                    let dropped = state.recent.count - capacity
                    state.floor = state.recent[dropped - 1].id
                    state.recent.removeFirst(dropped)
                }
                defer { state.waiters.removeAll(keepingCapacity: true) }
                return Array(state.waiters.values)
            }
            waiters.forEach { $0.continuation.resume() }
            if events.count < 1000 { return }
        }
    }

    private func waitForEvents(after cursor: Int64, until deadline: ContinuousClock.Instant) async {
        let id = state.withLockedValue { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let waits = state.withLockedValue { state -> Bool in
                    // Events that came since the caller looked need no waiting for.
                    guard !state.stopped, !Task.isCancelled, cursor >= state.head else { return false }
                    state.waiters[id] = Waiter(continuation: continuation, deadline: deadline)
                    return true
                }
                if !waits { continuation.resume() }
            }
        } onCancel: {
            state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }

    private func wakeDueWaiters() {
        let now = ContinuousClock.now
        let due = state.withLockedValue { state -> [Waiter] in
            let due = state.waiters.filter { $0.value.deadline <= now }
            for id in due.keys { state.waiters.removeValue(forKey: id) }
            return Array(due.values)
        }
        due.forEach { $0.continuation.resume() }
    }
}

/// Where the events after a stream's cursor are.
private enum Found {
    case stopped
    /// The batch another stream at the same cursor got.
    case shared(EventFeed.Batch)
    case inMemory(ArraySlice<FramedEvent>)
    /// Older than memory reaches.
    case behind
    case caughtUp
}

extension EventFeed.State {
    fileprivate func find(after cursor: Int64, shared: Bool, pageLimit: Int) -> Found {
        if stopped { return .stopped }
        if cursor >= head { return .caughtUp }
        guard cursor >= floor else { return .behind }
        let start = recent.partitioningIndex { $0.id > cursor }
        let events = recent[start...].prefix(pageLimit)
        if shared, let last = self.shared, last.after == cursor, last.batch.cursor == events.last?.id {
            return .shared(last.batch)
        }
        return .inMemory(events)
    }
}

extension Array {
    /// The index of the first element for which `belongs` holds, given that it holds for a suffix.
    fileprivate func partitioningIndex(where belongs: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if belongs(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
