/// The watcher's timetable: each watched execution, when it is next due and at what interval.
///
/// A min-heap of due times over the entries. Rescheduling an entry pushes it again with a new
/// generation; the older heap item is skipped when it surfaces. There is an entry and a heap
/// item for every watched execution (tens of thousands after a burst of binds, while the rate
/// cap works through them), so both are kept small: times as nanoseconds since the schedule
/// began, intervals in milliseconds, generations in 32 bits (compared only for equality).
struct WatchSchedule {
    struct Entry {
        var schedulerTaskId: Int64
        fileprivate var intervalMilliseconds: UInt32
        fileprivate(set) var generation: UInt32
        /// When TaskPilot last heard about this execution (or began watching it).
        fileprivate var heardAt: Int64

        var interval: Duration { .milliseconds(intervalMilliseconds) }
    }

    private struct Due {
        var at: Int64
        var webTaskId: Int64
        var generation: UInt32
    }

    private(set) var entries: [Int64: Entry] = [:]
    private var heap: [Due] = []
    private var generations: UInt32 = 0
    private let origin = ContinuousClock.now

    /// Watches `webTaskId` at `interval`, next due at `at`, replacing any earlier timetable for it.
    /// `heard` is false when the DTP gave no answer: the execution is as old news as before.
    mutating func schedule(_ webTaskId: Int64, schedulerTaskId: Int64, interval: Duration, at: ContinuousClock.Instant, heard: Bool = true) {
        generations &+= 1
        let now = offset(.now)
        let heardAt = heard ? now : entries[webTaskId]?.heardAt ?? now
        let milliseconds = min(max(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000, 0), Int64(UInt32.max))
        entries[webTaskId] = Entry(
            schedulerTaskId: schedulerTaskId, intervalMilliseconds: UInt32(milliseconds), generation: generations, heardAt: heardAt
        )
        push(Due(at: offset(at), webTaskId: webTaskId, generation: generations))
    }

    /// For the metrics: executions watched, polls due and not yet sent, and the longest any
    /// watched execution has gone unheard. It walks everything: call it per scrape, not per poll.
    func backlog(now: ContinuousClock.Instant) -> (watching: Int, overdue: Int, oldestUnheard: Duration) {
        let now = offset(now)
        let overdue = heap.count { $0.at <= now && entries[$0.webTaskId]?.generation == $0.generation }
        let oldest = entries.values.lazy.map(\.heardAt).min().map { Duration.nanoseconds(now - $0) } ?? .zero
        return (entries.count, overdue, oldest)
    }

    mutating func remove(_ webTaskId: Int64) {
        entries.removeValue(forKey: webTaskId)
    }

    /// The earliest due time, stale heap items dropped on the way.
    mutating func nextDue() -> ContinuousClock.Instant? {
        while let first = heap.first {
            if entries[first.webTaskId]?.generation == first.generation { return origin + .nanoseconds(first.at) }
            pop()
        }
        return nil
    }

    /// Takes the earliest entry if it is due by `now`; it stays watched until rescheduled or removed.
    mutating func takeDue(now: ContinuousClock.Instant) -> (webTaskId: Int64, entry: Entry)? {
        guard let at = nextDue(), at <= now, let first = heap.first, let entry = entries[first.webTaskId] else { return nil }
        pop()
        return (first.webTaskId, entry)
    }

    /// Nanoseconds from the schedule's beginning to `instant` (negative before it).
    private func offset(_ instant: ContinuousClock.Instant) -> Int64 {
        let elapsed = instant - origin
        return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    }

    private mutating func push(_ due: Due) {
        heap.append(due)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].at < heap[parent].at else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func pop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].at < heap[smallest].at { smallest = left }
            if right < heap.count, heap[right].at < heap[smallest].at { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
