/// Server-Sent Events framing (WHATWG HTML § 9.2).
enum SSEFrame {
    static func event(_ event: TaskEvent) -> String {
        "id: \(event.id)\nevent: \(event.kind.rawValue)\ndata: \(event.json)\n\n"
    }

    /// A comment that also sets the client's Last-Event-ID to `cursor`, without an event (a
    /// frame with no data dispatches none): a client that reconnects before its first event, or
    /// after a filter skipped events, resumes from where the stream was, not from the next new event.
    static func comment(_ text: String, cursor: Int64) -> String {
        ": \(text)\nid: \(cursor)\n\n"
    }

    /// Events after the client's id were pruned (or it names none TaskPilot gave): reload, then
    /// follow from `cursor`, which the `id` line makes the client's new Last-Event-ID.
    static func reset(cursor: Int64) -> String {
        "id: \(cursor)\nevent: reset\ndata: {\"reason\":\"events after the requested id are no longer kept; reload the list\",\"nextAfter\":\(cursor)}\n\n"
    }
}
