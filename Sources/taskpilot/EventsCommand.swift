import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// `taskpilot events`: follows the change feed, one line an event, until interrupted. When the
/// stream drops (a TaskPilot restart) it reconnects after the last event it printed.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Follow the change feed, one line an event, until interrupted.",
        discussion: "json prints each event's data as the server sent it. The token comes from TASKPILOT_TOKEN."
    )

    @Option(help: "Only this web task's events.") var task: Int64?
    @Option(help: "Start after this event id; 0 replays every event kept. (default: from the next new event)") var after: Int64?
    @OptionGroup var client: ClientOptions

    func validate() throws {
        if let task, task <= 0 { throw ValidationError("--task is a positive integer, not \(task)") }
        if let after, after < 0 { throw ValidationError("--after is 0 or a positive integer, not \(after)") }
    }

    func run() async throws {
        try await client.withClient { api in
            var cursor = after
            var connected = false
            var delay = Duration.milliseconds(250)
            while true {
                var parameters: [String] = []
                if let task { parameters.append("taskId=\(task)") }
                if let cursor { parameters.append("after=\(cursor)") }
                let path = "/api/events" + (parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&"))
                do {
                    let response = try await api.open(path, accept: "text/event-stream")
                    guard response.status == .ok else {
                        let body = try await response.body.collect(upTo: 1 << 20)
                        api.fail(APIAnswer(status: response.status, headers: response.headers, body: body))
                    }
                    connected = true
                    delay = .milliseconds(250)
                    var stream = SSEStream()
                    for try await buffer in response.body {
                        for frame in stream.frames(appending: buffer) {
                            cursor = frame.id ?? cursor
                            show(frame.event, api.output)
                        }
                    }
                } catch {
                    guard connected else { api.unreachable(error) }
                }
                FileHandle.standardError.write(Data("taskpilot: the stream closed; reconnecting after event \(cursor.map(String.init) ?? "none")\n".utf8))
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// Writes the line at once (unbuffered), so that a pipe reader sees each event as it comes;
    /// when the reader is gone (`… | head`), following on has no one to tell.
    private func show(_ frame: (type: String, data: String)?, _ output: ClientOptions.Output) {
        guard let frame else { return }
        var line = frame.data
        if frame.type == "reset" {
            line = output == .json ? frame.data : "reset: \(frame.data)"
        } else if output == .table {
            let event = (try? JSONSerialization.jsonObject(with: Data(frame.data.utf8))) as? [String: Any]
            line = event.map(ClientTable.eventLine) ?? frame.data
        }
        if !StandardOutput.write(Array((line + "\n").utf8)) {
            Foundation.exit(0)
        }
    }
}

/// Server-Sent Events frames out of a byte stream (WHATWG HTML § 9.2), as far as TaskPilot
/// sends them: `id`, `event` and `data` lines, comments, a blank line after each frame.
struct SSEStream {
    /// Bytes not yet part of a whole frame: a frame, or a character, may be split between reads.
    private var pending: [UInt8] = []

    struct Frame {
        var id: Int64?
        /// The event's type and data; nil for a frame with no data (a comment).
        var event: (type: String, data: String)?
    }

    mutating func frames(appending buffer: ByteBuffer) -> [Frame] {
        pending += buffer.readableBytesView.filter { $0 != UInt8(ascii: "\r") }
        var frames: [Frame] = []
        var start = pending.startIndex
        var index = start
        while index + 1 < pending.endIndex {
            guard pending[index] == UInt8(ascii: "\n"), pending[index + 1] == UInt8(ascii: "\n") else {
                index += 1
                continue
            }
            frames.append(Self.frame(String(decoding: pending[start..<index], as: UTF8.self)))
            index += 2
            start = index
        }
        pending.removeSubrange(..<start)
        return frames
    }

    private static func frame(_ text: String) -> Frame {
        var frame = Frame()
        var type = "message"
        var data: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix(":") {
            let field = line.prefix { $0 != ":" }
            var value = line.dropFirst(field.count + 1)
            if value.hasPrefix(" ") { value = value.dropFirst() }
            switch field {
            case "id": frame.id = Int64(value)
            case "event": type = String(value)
            case "data": data.append(value)
            default: break
            }
        }
        if !data.isEmpty {
            frame.event = (type, data.joined(separator: "\n"))
        }
        return frame
    }
}
