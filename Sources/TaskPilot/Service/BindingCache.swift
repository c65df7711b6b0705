import NIOConcurrencyHelpers

/// The DTP task of each web task whose binding was read or made lately, so that a query need
/// not read it again. A binding never changes once stored (one owner, never unbound, rows only
/// inserted), so an entry can only be missing, never wrong. Bounded: emptied when full.
final class BindingCache: Sendable {
    private let capacity: Int
    private let entries = NIOLockedValueBox<[Int64: Int64]>([:])

    init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    func schedulerTaskId(boundTo webTaskId: Int64) -> Int64? {
        entries.withLockedValue { $0[webTaskId] }
    }

    /// Only a binding that is stored, and owned by `webTaskId` alone.
    func remember(webTaskId: Int64, schedulerTaskId: Int64) {
        entries.withLockedValue { entries in
            if entries.count >= capacity {
                entries.removeAll(keepingCapacity: true)
            }
            entries[webTaskId] = schedulerTaskId
        }
    }
}
