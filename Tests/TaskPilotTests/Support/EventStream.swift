import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// One Server-Sent Event as a client reads it.
struct ReceivedEvent: Sendable {
    var id: Int64?
    var type: String
    var data: String

    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:]
    }
}

/// Opens `GET /api/events` on real HTTP and reads frames until `until` holds for what came or
/// `timeout` passes; answers the status, the events and the comment lines seen, and the id of
/// the last frame that carried one without an event (the stream's cursor).
func readEventStream(
    port: Int?,
    query: String = "",
    headers: [(String, String)] = [],
    timeout: Duration = .seconds(5),
    connected: @escaping @Sendable () -> Void = {},
    until: @escaping @Sendable ([ReceivedEvent], [String]) -> Bool
) async throws -> (status: Int, events: [ReceivedEvent], comments: [String], cursor: Int64?) {
    let port = try #require(port)
    let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/events\(query)")
    request.headers.add(contentsOf: headers)
    let seen = NIOLockedValueBox<(events: [ReceivedEvent], comments: [String], cursor: Int64?)>(([], [], nil))
    let status: Int
    do {
        let response = try await http.execute(request, timeout: .seconds(30))
        status = Int(response.status.code)
        connected()
        if status == 200 {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await Task.sleep(for: timeout) }
                group.addTask {
                    var pending = ""
                    do {
                        for try await chunk in response.body {
                            pending += String(buffer: chunk)
                            while let end = pending.range(of: "\n\n") {
                                let frame = String(pending[..<end.lowerBound])
                                pending = String(pending[end.upperBound...])
                                seen.withLockedValue { EventFrame.parse(frame, into: &$0) }
                            }
                            if seen.withLockedValue({ until($0.events, $0.comments) }) { return }
                        }
                    } catch {}
                }
                await group.next()
                group.cancelAll()
            }
        }
    } catch {
        try? await http.shutdown()
        throw error
    }
    try? await http.shutdown()
    let (events, comments, cursor) = seen.withLockedValue { $0 }
    return (status, events, comments, cursor)
}

private enum EventFrame {
    /// Adds one frame: comment lines, or an event's id, type and data.
    static func parse(_ frame: String, into seen: inout (events: [ReceivedEvent], comments: [String], cursor: Int64?)) {
        var event = ReceivedEvent(id: nil, type: "message", data: "")
        var isEvent = false
        for line in frame.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") {
                seen.comments.append(line.dropFirst().trimmingCharacters(in: .whitespaces))
                continue
            }
            if line.hasPrefix("id: ") { event.id = Int64(line.dropFirst(4)) }
            if line.hasPrefix("event: ") { event.type = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { event.data = String(line.dropFirst(6)); isEvent = true }
        }
        // A frame without data dispatches no event (WHATWG HTML § 9.2.6); its id is the cursor.
        if isEvent { seen.events.append(event) } else if let id = event.id { seen.cursor = id }
    }
}
