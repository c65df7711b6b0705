import NIOConcurrencyHelpers

/// The DTP task of each web task whose binding a query read lately, so that the next query
/// need not read it again. A binding never changes once stored (rows are only inserted), so an
/// entry can only be missing, never wrong. Only what the database said is remembered, and only a
/// binding the web task owns alone (never one shared from before one-owner bindings).
/// Bounded: emptied when full.
final class BindingCache: Sendable {
    private let capacity: Int
    private let entries = NIOLockedValueBox<[Int64: Int64]>([:])

    init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    func schedulerTaskId(boundTo webTaskId: Int64) -> Int64? {
        entries.withLockedValue { $0[webTaskId] }
    }

    func remember(webTaskId: Int64, schedulerTaskId: Int64) {
        entries.withLockedValue { entries in
            if entries.count >= capacity {
                entries.removeAll(keepingCapacity: true)
            }
            entries[webTaskId] = schedulerTaskId
        }
    }
}
