import Foundation

/// The client's table output: web tasks, executions, command logs and events as text columns.
enum ClientTable {
    /// Columns separated by two spaces, each as wide as its widest cell.
    static func render(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// `name: value` lines, the values aligned.
    static func fields(_ pairs: [(String, String)]) -> String {
        let width = pairs.map(\.0.count).max() ?? 0
        return pairs.map { name, value in "\((name + ":").padding(toLength: width + 1, withPad: " ", startingAt: 0)) \(value)" }
            .joined(separator: "\n")
    }

    /// A JSON value as text: `–` for null or absent.
    static func text(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: "–"
        case let string as String: string
        case let number as NSNumber: number.stringValue
        default: "\(value!)"
        }
    }

    static let taskHeader = ["ID", "TYPE", "STATUS", "BINDING", "EXECUTION"]

    static func taskRow(_ task: [String: Any]) -> [String] {
        [text(task["id"]), text(task["type"]), text(task["status"]), binding(task), execution(task["execution"] as? [String: Any])]
    }

    static func taskFields(_ task: [String: Any]) -> String {
        let observation = task["execution"] as? [String: Any]
        var pairs: [(String, String)] = [
            ("id", text(task["id"])), ("type", text(task["type"])), ("payload", text(task["payload"])),
            ("status", text(task["status"])), ("binding", binding(task)), ("execution", execution(observation)),
        ]
        if let observation {
            pairs += ["retryState", "attemptCount", "maxAttempts", "lastError", "schedulerUpdatedAt", "observedAt"].map { ("  \($0)", text(observation[$0])) }
        }
        pairs += [("createdAt", text(task["createdAt"])), ("updatedAt", text(task["updatedAt"]))]
        return fields(pairs)
    }

    /// "DTP task 3 (created)", or "not bound".
    static func binding(_ task: [String: Any]) -> String {
        guard let id = task["schedulerTaskId"] as? NSNumber else { return "not bound" }
        return "DTP task \(id) (\((task["bindingOrigin"] as? String)?.lowercased() ?? "bound"))"
    }

    /// "SUCCEEDED · 3 s ago", or "not observed".
    static func execution(_ observation: [String: Any]?, now: Date = Date()) -> String {
        guard let observation, let status = observation["status"] as? String else { return "not observed" }
        guard let observed = (observation["observedAt"] as? String).flatMap(parseTime) else { return status }
        return "\(status) · \(age(now.timeIntervalSince(observed)))"
    }

    static func age(_ interval: TimeInterval) -> String {
        let seconds = max(0, Int(interval.rounded()))
        switch seconds {
        case ..<60: return "\(seconds) s ago"
        case ..<3600: return "\(seconds / 60) min ago"
        case ..<86400: return "\(seconds / 3600) h ago"
        default: return "\(seconds / 86400) d ago"
        }
    }

    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// The DTP's TaskResponse: its fields in the contract's order, any others after them.
    static func schedulerTask(_ task: [String: Any]) -> String {
        let known = ["id", "type", "status", "retryState", "attemptCount", "maxAttempts", "lastError", "payload", "createdAt", "updatedAt",
                     "scheduledFor", "processingStartedAt", "completedAt", "nextRunAt", "workerId"]
        let others = task.keys.filter { !known.contains($0) }.sorted()
        return fields((known.filter { task[$0] != nil } + others).map { ($0, text(task[$0])) })
    }

    static let commandHeader = ["ID", "COMMAND", "DTP TASK", "STARTED", "DTP ANSWER", "REQUEST ID"]

    static func commandRow(_ command: [String: Any]) -> [String] {
        let answer: String
        if command["finishedAt"] is NSNull || command["finishedAt"] == nil {
            answer = "no answer recorded"
        } else {
            let message = command["message"] as? String
            answer = text(command["httpStatus"]) + (message.map { " \($0)" } ?? "")
        }
        return [text(command["id"]), text(command["command"]), text(command["schedulerTaskId"]), text(command["startedAt"]), answer, text(command["requestId"])]
    }

    /// One line an event: id, type, task, time, then what changed.
    static func eventLine(_ event: [String: Any]) -> String {
        let task = event["task"] as? [String: Any] ?? [:]
        var line = "\(text(event["id"]))  \(text(event["type"]))  task \(text(event["webTaskId"]))  \(text(event["at"]))"
        line += "  \(text(task["status"]))  \(binding(task))"
        if let observation = task["execution"] as? [String: Any] {
            line += "  execution \(text(observation["status"]))"
        }
        if let scheduler = event["scheduler"] as? [String: Any] {
            line += "  DTP answered \(text(scheduler["status"])): \(text(scheduler["message"]))"
        }
        return line
    }
}
