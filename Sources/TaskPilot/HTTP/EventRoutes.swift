import HTTPTypes
import Hummingbird
import ServiceLifecycle

/// `GET /api/events`: the change feed as Server-Sent Events, or as JSON pages for clients
/// that cannot stream (`Accept: application/json`).
struct EventRoutes<Context: RequestContext>: Sendable {
    let feed: EventFeed
    let maxPageSize: Int

    func add(to group: RouterGroup<Context>) {
        group.get("events", use: events)
    }

    @Sendable func events(_ request: Request, context: Context) async throws -> Response {
        let query = try EventQuery(request, maxPageSize: maxPageSize)
        if query.wantsJSON {
            return JSONResponse.make(try await feed.page(after: query.after, webTaskId: query.webTaskId, limit: query.limit).json)
        }
        // HEAD runs this handler and drops the body, which would never give the place back.
        guard request.method != .head else {
            return Response(status: .ok, headers: Self.streamHeaders)
        }
        try feed.subscribe()
        let start: EventFeed.Batch
        do {
            start = try await feed.start(after: query.after)
        } catch {
            feed.unsubscribe()
            throw error
        }
        return Response(status: .ok, headers: Self.streamHeaders, body: ResponseBody { [feed] writer in
            defer { feed.unsubscribe() }
            try await withGracefulShutdownHandler {
                try await Self.stream(feed: feed, from: start, webTaskId: query.webTaskId, to: &writer)
            } onGracefulShutdown: {
                feed.stop()
            }
            try await writer.finish(nil)
        })
    }

    static var streamHeaders: HTTPFields { [
        .contentType: "text/event-stream",
        .cacheControl: "no-store",
        // Tells nginx not to buffer the stream.
        HTTPField.Name("X-Accel-Buffering")!: "no",
    ] }

    private static func stream(feed: EventFeed, from start: EventFeed.Batch, webTaskId: Int64?, to writer: inout any ResponseBodyWriter) async throws {
        var cursor = start.cursor
        // The first bytes tell the client (and any proxy) that the stream is open.
        try await writer.write(ByteBuffer(string: start.reset ? SSEFrame.reset(cursor: cursor) : SSEFrame.comment("connected", cursor: cursor)))
        // The feed reads new events at most every `EventFeed.batchWindow` and wakes the waiting
        // streams once a read: what commits meanwhile goes out in one write, with no timer of the
        // stream's own.
        while true {
            guard let batch = try await feed.next(after: cursor, webTaskId: webTaskId) else { return }
            cursor = batch.cursor
            if batch.reset {
                try await writer.write(ByteBuffer(string: SSEFrame.reset(cursor: cursor)))
            } else if batch.idle {
                try await writer.write(ByteBuffer(string: SSEFrame.comment("heartbeat", cursor: cursor)))
            } else if batch.frames.readableBytes > 0 {
                try await writer.write(batch.frames)
            }
        }
    }
}

/// What `GET /api/events` asks for.
struct EventQuery {
    var after: Int64?
    var webTaskId: Int64?
    var limit = 100
    var wantsJSON = false

    init(_ request: Request, maxPageSize: Int) throws(TaskPilotError) {
        let parameters = request.uri.queryParameters
        let known: Set<String> = ["after", "taskId", "limit"]
        if let unknown = parameters.first(where: { !known.contains(String($0.key)) }) {
            throw .invalid("unknown query parameter \"\(unknown.key)\"; known are after, taskId, limit")
        }
        // Both are checked; `after` wins, as an explicit choice over what a browser resends.
        let lastEventId = try request.headers[.lastEventID].map { id throws(TaskPilotError) in try Self.eventId(id, name: "Last-Event-ID") }
        if let after = parameters.get("after") {
            self.after = try Self.eventId(after, name: "after")
        } else {
            self.after = lastEventId
        }
        if let taskId = parameters.get("taskId") {
            guard let id = RequestParsing.canonicalId(taskId) else {
                throw .invalid("taskId must be a positive 64-bit integer in decimal, without sign or leading zeros")
            }
            webTaskId = id
        }
        let accept = request.headers[values: .accept].joined(separator: ",")
        wantsJSON = accept.contains("application/json") && !accept.contains("text/event-stream")
        if let limit = parameters.get("limit") {
            guard wantsJSON else { throw .invalid("limit applies only to the JSON form (Accept: application/json)") }
            guard let value = Int(limit), (1...maxPageSize).contains(value) else {
                throw .invalid("limit must be an integer from 1 to \(maxPageSize)")
            }
            self.limit = value
        }
    }

    /// An event id: 0 or a positive integer in canonical decimal.
    private static func eventId(_ text: String, name: String) throws(TaskPilotError) -> Int64 {
        if text == "0" { return 0 }
        guard let id = RequestParsing.canonicalId(text) else {
            throw .invalid("\(name) must be an event id: 0 or a positive 64-bit integer in decimal")
        }
        return id
    }
}

extension HTTPField.Name {
    static let lastEventID = Self("Last-Event-ID")!
}
