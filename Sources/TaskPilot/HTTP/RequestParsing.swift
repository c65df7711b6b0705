import Foundation
import Hummingbird

/// Reading what clients send: path ids, query parameters and bodies, each failure a 400
/// that names the field.
enum RequestParsing {
    /// The `{id}` path parameter as a positive 64-bit integer in canonical decimal: `007` and
    /// `+7` are refused, so that one task has one URL.
    static func taskId(_ context: some RequestContext) throws(TaskPilotError) -> Int64 {
        guard let text = context.parameters.get("id"), let id = canonicalId(text) else {
            throw .invalid("id must be a positive 64-bit integer in decimal, without sign or leading zeros")
        }
        return id
    }

    /// A positive 64-bit integer written without sign or leading zeros, or nil.
    static func canonicalId(_ text: String) -> Int64? {
        guard let first = text.utf8.first, (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(first) else { return nil }
        return Int64(text)
    }

    /// The `Idempotency-Key` header, when sent: 1 to 255 visible ASCII characters.
    static func idempotencyKey(_ request: Request) throws(TaskPilotError) -> String? {
        // The common case, no key, costs one lookup; the list of values only when there is one.
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard request.headers[values: .idempotencyKey].count == 1, (1...255).contains(key.utf8.count),
              key.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else {
            throw .invalid("Idempotency-Key must be one value of 1 to 255 visible ASCII characters")
        }
        return key
    }

    /// The whole body, up to `limit` bytes (past it, `NIOTooManyBytesError`: 413).
    static func body(_ request: Request, limit: Int) async throws -> ByteBuffer {
        try await request.body.collect(upTo: limit)
    }

    struct NewTask {
        let type: String
        let payload: String
    }

    static func newTask(_ bytes: ByteBuffer) throws(TaskPilotError) -> NewTask {
        let body = try JSONObjectBody(bytes.readableBytesView)
        guard let type = try body.string("type") else {
            throw .invalid("type is required")
        }
        // Unicode's White_Space, without Foundation's trimming: this runs for every create.
        guard !type.unicodeScalars.allSatisfy(\.properties.isWhitespace) else {
            throw .invalid("type must not be blank")
        }
        // A type names a kind of work; control characters (NUL above all, which SQLite's
        // length() stops at) have no place in it.
        guard !type.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .invalid("type must not contain control characters")
        }
        // Counted in Unicode scalars, as SQLite's length() counts characters.
        guard type.unicodeScalars.count <= WebTask.maxTypeLength else {
            throw .invalid("type must be at most \(WebTask.maxTypeLength) characters")
        }
        let payload = try body.string("payload") ?? ""
        guard payload.utf8.count <= WebTask.maxPayloadBytes else {
            throw .invalid("payload must be at most \(WebTask.maxPayloadBytes) bytes")
        }
        return NewTask(type: type, payload: payload)
    }

    static func taskQuery(_ request: Request, maxPageSize: Int) throws(TaskPilotError) -> WebTaskQuery {
        let parameters = request.uri.queryParameters
        let known: Set<String> = ["status", "bound", "executionStatus", "type", "limit", "cursor"]
        if let unknown = parameters.first(where: { !known.contains(String($0.key)) }) {
            throw .invalid("unknown query parameter \"\(unknown.key)\"; known are status, bound, executionStatus, type, limit, cursor")
        }
        var query = WebTaskQuery()
        if let status = parameters.get("status") {
            guard let value = WebTaskStatus(rawValue: status) else {
                throw .invalid("status must be one of \(WebTaskStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.status = value
        }
        if let bound = parameters.get("bound") {
            guard let value = Bool(bound) else { throw .invalid("bound must be true or false") }
            query.bound = value
        }
        if let statuses = parameters.get("executionStatus") {
            let values = statuses.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let known = ExecutionObservation.filterableStatuses
            if let unknown = values.first(where: { !known.contains($0) }) {
                throw .invalid("executionStatus \"\(unknown)\" is not one of \(known.joined(separator: ", ")) (comma-separated)")
            }
            query.executionStatuses = Array(Set(values)).sorted()
        }
        if let type = parameters.get("type") {
            guard !type.isEmpty, type.unicodeScalars.count <= WebTask.maxTypeLength else {
                throw .invalid("type must be 1 to \(WebTask.maxTypeLength) characters")
            }
            query.type = type
        }
        if let limit = parameters.get("limit") {
            guard let value = Int(limit), (1...maxPageSize).contains(value) else {
                throw .invalid("limit must be an integer from 1 to \(maxPageSize)")
            }
            query.limit = value
        }
        if let cursor = parameters.get("cursor") {
            guard let id = PageCursor.decode(cursor) else { throw .invalid("cursor is not valid") }
            query.beforeId = id
        }
        return query
    }

    /// `limit` (default 50) and `before` (a command id) of `GET /api/tasks/{id}/commands`.
    static func commandQuery(_ request: Request, maxPageSize: Int) throws(TaskPilotError) -> (before: Int64?, limit: Int) {
        let parameters = request.uri.queryParameters
        if let unknown = parameters.first(where: { !["limit", "before"].contains(String($0.key)) }) {
            throw .invalid("unknown query parameter \"\(unknown.key)\"; known are limit, before")
        }
        var limit = 50
        if let text = parameters.get("limit") {
            guard let value = Int(text), (1...maxPageSize).contains(value) else {
                throw .invalid("limit must be an integer from 1 to \(maxPageSize)")
            }
            limit = value
        }
        var before: Int64?
        if let text = parameters.get("before") {
            guard let id = canonicalId(text) else {
                throw .invalid("before must be a command id: a positive 64-bit integer in decimal")
            }
            before = id
        }
        return (before, limit)
    }
}
