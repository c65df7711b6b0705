import NIOConcurrencyHelpers

/// Each listed task's JSON, kept with the task it was written from.
///
/// A frontend asks for the same page again and again while few of its tasks change, and
/// writing a page's fifty tasks was a quarter of the list's CPU. A task's JSON depends on nothing
/// but the task, so an entry is used only when the task just read equals the one it was written
/// from: nothing to invalidate, and a change made by another replica is seen like any other.
final class WebTaskJSONCache: Sendable {
    private struct Entry {
        let task: WebTask
        let utf8: [UInt8]
    }

    private struct State {
        var entries: [Int64: Entry] = [:]
        var bytes = 0
    }

    /// What the entries may hold, counting each task's JSON twice (the task's own strings hold
    /// about as much); a task larger than a 64th of it is written each time instead.
    private let maxBytes: Int
    private let state = NIOLockedValueBox(State())

    init(maxBytes: Int = 4 << 20) {
        self.maxBytes = maxBytes
    }

    /// What the entries hold, as counted against `maxBytes`.
    var keptBytes: Int { state.withLockedValue { $0.bytes } }

    func utf8(of task: WebTask) -> [UInt8] {
        if let kept = state.withLockedValue({ $0.entries[task.id] }), kept.task == task {
            return kept.utf8
        }
        let utf8 = task.utf8
        let cost = 2 * utf8.count
        guard cost <= maxBytes / 64 else { return utf8 }
        state.withLockedValue { state in
            // Full: start again rather than track recency; a page's tasks return at once.
            if state.bytes + cost > maxBytes {
                state.entries.removeAll(keepingCapacity: true)
                state.bytes = 0
            }
            if let replaced = state.entries.updateValue(Entry(task: task, utf8: utf8), forKey: task.id) {
                state.bytes -= 2 * replaced.utf8.count
            }
            state.bytes += cost
        }
        return utf8
    }
}
