import OrderedJSON

/// A user-facing task. Its `status` is control-plane intent, not execution state:
/// the DTP owns execution, and TaskPilot only links to it through `schedulerTaskId`.
public struct WebTask: Sendable, Equatable {
    public var id: Int64
    public var type: String
    public var payload: String
    public var status: WebTaskStatus
    public var schedulerTaskId: Int64?
    public var createdAt: String
    public var updatedAt: String
    /// The last DTP answer TaskPilot heard for the bound execution; nil when unbound or never observed.
    public var execution: ExecutionObservation?
    /// Whether the bind created the DTP task or attached to an existing one; nil when unbound.
    public var bindingOrigin: BindingOrigin?

    public static let maxTypeLength = 128
    public static let maxPayloadBytes = 256 * 1024

    /// The API's JSON, fields in the contract's order; an unbound task has `"schedulerTaskId":null`
    /// and `"bindingOrigin":null`, one never observed `"execution":null`.
    public var json: String {
        String(decoding: utf8, as: UTF8.self)
    }

    public var utf8: [UInt8] {
        var object = JSONObject(capacity: 448)
        write(to: &object)
        return object.utf8
    }

    /// Adds the task's members to `object`: a page writes all its tasks into one buffer.
    func write(to object: inout JSONObject) {
        object.add("id", id)
        object.add("type", type)
        object.add("payload", payload)
        object.add("status", status.rawValue)
        object.add("schedulerTaskId", schedulerTaskId)
        object.add("bindingOrigin", bindingOrigin?.rawValue)
        object.add("createdAt", createdAt)
        object.add("updatedAt", updatedAt)
        object.addObject("execution", execution.map { execution in { execution.write(to: &$0) } })
    }
}

public enum WebTaskStatus: String, Sendable, CaseIterable {
    case pending = "PENDING"
    case canceled = "CANCELED"
}
