import OrderedJSON

/// One command TaskPilot sent the DTP for a web task, and what came of it, as the command log
/// (`scheduler_commands`) holds it.
public struct CommandLogEntry: Sendable, Equatable {
    public var id: Int64
    public var command: String
    public var schedulerTaskId: Int64?
    public var requestId: String?
    public var startedAt: String
    /// Nil while the call is in flight, or when TaskPilot stopped before it was answered.
    public var finishedAt: String?
    /// The DTP's status code; nil on a transport failure.
    public var httpStatus: Int64?
    /// The DTP's message, or the transport failure.
    public var message: String?

    public var json: String {
        var object = JSONObject()
        object.add("id", id)
        object.add("command", command)
        object.add("schedulerTaskId", schedulerTaskId)
        object.add("requestId", requestId)
        object.add("startedAt", startedAt)
        object.add("finishedAt", finishedAt)
        object.add("httpStatus", httpStatus)
        object.add("message", message)
        return object.json
    }
}

/// A page of one task's command log, newest first; `nextBefore` asks for the page after it.
public struct CommandLogPage: Sendable {
    public var items: [CommandLogEntry]
    public var nextBefore: Int64?

    public var json: String {
        var object = JSONObject()
        object.addRaw("items", "[" + items.map(\.json).joined(separator: ",") + "]")
        object.add("nextBefore", nextBefore)
        return object.json
    }
}
