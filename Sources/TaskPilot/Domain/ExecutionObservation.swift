import Foundation
import NIOCore
import OrderedJSON

/// What TaskPilot last heard from the DTP about one execution: the DTP's own words, with when
/// it said them (`schedulerUpdatedAt`) and when TaskPilot heard them (`observedAt`). TaskPilot
/// records and shows these; it never derives or re-classifies them.
public struct ExecutionObservation: Sendable, Equatable {
    public var status: String
    public var retryState: String?
    public var attemptCount: Int64?
    public var maxAttempts: Int64?
    public var lastError: String?
    public var schedulerUpdatedAt: String?
    public var observedAt: String

    /// The status recorded when the DTP answers 404 for a bound task: it lost it.
    public static let notFound = "NOT_FOUND"

    /// The DTP statuses after which an execution never changes again. `FAILED` is not one: the
    /// DTP retries it. A task the DTP lost is not asked about again either.
    public static let finalStatuses: Set<String> = ["SUCCEEDED", "DEAD", "CANCELED", notFound]

    /// Every status the list filter accepts: the DTP contract's, NOT_FOUND, and NONE (never observed).
    public static let filterableStatuses = ["PENDING", "ENQUEUED", "PROCESSING", "SUCCEEDED", "FAILED", "DEAD", "CANCELED", notFound, "NONE"]

    /// The fields of a DTP TaskResponse, or nil when `body` is not one for `schedulerTaskId`
    /// (then nothing is recorded: TaskPilot passes such an answer on but does not read it).
    public init?(taskResponse body: ByteBuffer, schedulerTaskId: Int64, observedAt: String) {
        guard case .object(let fields)? = try? JSONParser.parse(body.readableBytesView),
              case .integer(schedulerTaskId)? = fields["id"],
              case .string(let status)? = fields["status"]
        else { return nil }
        self.status = status
        retryState = fields["retryState"]?.stringValue
        attemptCount = fields["attemptCount"]?.integerValue
        maxAttempts = fields["maxAttempts"]?.integerValue
        lastError = fields["lastError"]?.stringValue
        schedulerUpdatedAt = fields["updatedAt"]?.stringValue
        self.observedAt = observedAt
    }

    /// A DTP 404 for a bound task.
    public static func lost(observedAt: String) -> ExecutionObservation {
        ExecutionObservation(status: notFound, observedAt: observedAt)
    }

    public init(
        status: String, retryState: String? = nil, attemptCount: Int64? = nil, maxAttempts: Int64? = nil,
        lastError: String? = nil, schedulerUpdatedAt: String? = nil, observedAt: String
    ) {
        self.status = status
        self.retryState = retryState
        self.attemptCount = attemptCount
        self.maxAttempts = maxAttempts
        self.lastError = lastError
        self.schedulerUpdatedAt = schedulerUpdatedAt
        self.observedAt = observedAt
    }

    /// The same DTP answer, whenever it was heard.
    public func saysSame(as other: ExecutionObservation) -> Bool {
        status == other.status && retryState == other.retryState && attemptCount == other.attemptCount
            && maxAttempts == other.maxAttempts && lastError == other.lastError && schedulerUpdatedAt == other.schedulerUpdatedAt
    }

    public var json: String {
        var object = JSONObject()
        write(to: &object)
        return object.json
    }

    func write(to object: inout JSONObject) {
        object.add("status", status)
        object.add("retryState", retryState)
        object.add("attemptCount", attemptCount)
        object.add("maxAttempts", maxAttempts)
        object.add("lastError", lastError)
        object.add("schedulerUpdatedAt", schedulerUpdatedAt)
        object.add("observedAt", observedAt)
    }

    /// Now, as TaskPilot writes its own timestamps: ISO-8601 UTC with milliseconds.
    public static func now() -> String {
        timestamp(.now)
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(timestampStyle)
    }

    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
}

/// What brought a DTP answer that became an observation.
public enum ObservationSource: String, Sendable {
    case bind = "BIND"
    case query = "QUERY"
    case cancel = "CANCEL"
    case watch = "WATCH"
}

extension JSONValue {
    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }
}
