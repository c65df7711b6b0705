/// The release this build is, printed by `taskpilot --version`; defined once so every place that
/// reports it agrees.
public enum TaskPilotVersion {
    public static let current = "0.8.0"
}
