import OrderedJSON

/// One change in the feed (`GET /api/events`), as stored: ids only grow.
public struct TaskEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case taskCreated = "task.created"
        case taskCanceled = "task.canceled"
        case taskBound = "task.bound"
        /// An observation whose status differs from the one before it.
        case executionChanged = "execution.changed"
        /// A cancel sent to the DTP, with the DTP's status code and message.
        case executionCancelForwarded = "execution.cancel_forwarded"
    }

    public var id: Int64
    public var kind: Kind
    public var webTaskId: Int64
    public var at: String
    /// The web task's JSON as of the event.
    public var taskJSON: String
    public var schedulerStatus: Int64?
    public var schedulerMessage: String?

    public var json: String {
        var object = JSONObject()
        object.add("id", id)
        object.add("type", kind.rawValue)
        object.add("webTaskId", webTaskId)
        object.add("at", at)
        object.addRaw("task", taskJSON)
        if kind == .executionCancelForwarded {
            var scheduler = JSONObject()
            scheduler.add("status", schedulerStatus)
            scheduler.add("message", schedulerMessage)
            object.addRaw("scheduler", scheduler.json)
        }
        return object.json
    }
}

/// A page of the feed for clients that cannot stream: events after `after`, oldest first.
public struct TaskEventPage: Sendable, Equatable {
    public var items: [TaskEvent]
    /// Where the next page starts: the last id here, or the `after` asked for when empty.
    public var nextAfter: Int64
    /// True when events after the id asked for were pruned: reload the list, then go on from `nextAfter`.
    public var reset: Bool

    public var json: String {
        var object = JSONObject()
        object.addRaw("items", JSONObject.array(items.map(\.json)))
        object.add("nextAfter", nextAfter)
        object.addRaw("reset", reset ? "true" : "false")
        return object.json
    }
}
