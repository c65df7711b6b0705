/// The link from a web task to the DTP task that executes it.
public struct Binding: Sendable, Equatable {
    public var webTaskId: Int64
    public var schedulerTaskId: Int64
    public var origin: BindingOrigin
    public var boundAt: String
}

/// Whether TaskPilot created the DTP task or attached to one that already existed.
public enum BindingOrigin: String, Sendable {
    case created = "CREATED"
    case attached = "ATTACHED"
}
