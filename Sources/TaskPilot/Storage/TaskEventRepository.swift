/// The change feed's storage: events in id order, and their pruning.
public protocol TaskEventRepository: Sendable {
    /// Up to `limit` events with ids above `after`, oldest first; only `webTaskId`'s when given.
    func events(after: Int64, webTaskId: Int64?, limit: Int) async throws -> [TaskEvent]
    /// The oldest event kept (nil when none is) and the last id ever given, pruned or not.
    func bounds() async throws -> EventBounds
    /// Deletes events written before `cutoff` (ISO-8601 UTC); answers how many.
    func prune(before cutoff: String) async throws -> Int
}

public struct EventBounds: Sendable, Equatable {
    public var oldestKept: Int64?
    public var lastGiven: Int64

    /// Whether events after `cursor` were pruned, or `cursor` names an event never given:
    /// either way a client resuming from it cannot be brought up to date event by event.
    public func cannotResume(after cursor: Int64) -> Bool {
        if cursor > lastGiven { return true }
        let firstAfter = oldestKept ?? (lastGiven + 1)
        return firstAfter > cursor + 1
    }
}
