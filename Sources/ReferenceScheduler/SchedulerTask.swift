import Foundation
import OrderedJSON

/// A DTP task as `docs/scheduler-contract.md` defines it.
struct SchedulerTask: Sendable {
    enum Status: String, Sendable {
        case pending = "PENDING"
        case enqueued = "ENQUEUED"
        case processing = "PROCESSING"
        case succeeded = "SUCCEEDED"
        case failed = "FAILED"
        case dead = "DEAD"
        case canceled = "CANCELED"
    }

    let id: Int64
    let type: String
    let payload: String
    var status: Status = .pending
    let createdAt: Date
    var updatedAt: Date
    var scheduledFor: Date
    var processingStartedAt: Date?
    var completedAt: Date?
    var workerId: String?
    var attemptCount = 0
    let maxAttempts: Int
    var nextRunAt: Date?
    var lastError: String?

    /// The contract's derived `retryState`.
    func retryState(now: Date) -> String {
        switch status {
        case .succeeded: "COMPLETED"
        case .canceled: "CANCELED"
        case .dead: "DEAD (no retries)"
        case .processing: "IN_PROGRESS"
        case .enqueued: "QUEUED"
        case .pending: "READY_TO_PROCESS/NOT_QUEUED"
        case .failed: (nextRunAt.map { $0 <= now } ?? true) ? "READY_TO_RETRY" : "WAITING_FOR_RETRY"
        }
    }

    /// The TaskResponse JSON, fields in the contract's order.
    func json(now: Date) -> String {
        var object = JSONObject()
        object.add("id", id)
        object.add("type", type)
        object.add("payload", payload)
        object.add("status", status.rawValue)
        object.add("createdAt", Timestamp.iso8601(createdAt))
        object.add("updatedAt", Timestamp.iso8601(updatedAt))
        object.add("scheduledFor", Timestamp.iso8601(scheduledFor))
        object.add("processingStartedAt", processingStartedAt.map(Timestamp.iso8601))
        object.add("completedAt", completedAt.map(Timestamp.iso8601))
        object.add("workerId", workerId)
        object.add("attemptCount", attemptCount)
        object.add("maxAttempts", maxAttempts)
        object.add("nextRunAt", nextRunAt.map(Timestamp.iso8601))
        object.add("lastError", lastError)
        object.add("retryState", retryState(now: now))
        return object.json
    }
}

/// ISO-8601 UTC instants with microseconds, as the DTP writes them: 2026-01-27T19:30:24.639878Z.
enum Timestamp {
    static func iso8601(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = time_t(seconds.rounded(.down))
        let micros = Int((seconds - Double(whole)) * 1_000_000)
        var parts = tm()
        gmtime_r(&whole, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micros
        )
    }
}
