import ArgumentParser
import TaskPilot

extension ArgumentHelp {
    /// Help for a flag that sets configuration `key`. The flags are optional strings, so
    /// ArgumentParser cannot show a default; this appends the loader's, in its format.
    static func setting(_ text: String, key: String) -> ArgumentHelp {
        ArgumentHelp("\(text) (\(key)). (default: \(ConfigurationLoader.defaultValue(forKey: key) ?? "none"))")
    }
}
