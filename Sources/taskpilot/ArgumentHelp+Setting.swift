import ArgumentParser
import TaskPilot

extension ArgumentHelp {
    /// Help for a flag that sets configuration `key`. The flags are optional strings, so
    /// ArgumentParser cannot show a default; this appends the loader's, in its format.
    static func setting(_ text: String, key: String) -> ArgumentHelp {
        let value = ConfigurationLoader.defaultValue(forKey: key).flatMap { $0.isEmpty ? nil : $0 }
        return ArgumentHelp("\(text) (\(key)). (default: \(value ?? "none"))")
    }
}
