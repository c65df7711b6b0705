/// Whether TaskPilot created the DTP task of a binding or attached to one that already existed;
/// stored in `bindings.origin`.
public enum BindingOrigin: String, Sendable {
    case created = "CREATED"
    case attached = "ATTACHED"
}
